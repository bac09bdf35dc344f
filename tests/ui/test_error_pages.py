"""403 and 404 are pages of the app: base template, the view's reason, a way back; both languages, DEBUG on and off."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


def main(text: str) -> str:
    """The page's content (the top bar carries a fresh CSRF token in every response)."""
    return text[text.index("<main"):text.index("</main>")]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


def test_it_shows_the_views_reason_for_a_403_in_the_apps_page(debug, project, alice, client_for) -> None:
    response = client_for(alice).get(reverse("ui:members", args=[project.slug]))
    assert response.status_code == 403
    text = page(response)
    assert 'class="topbar"' in text and "<h1 id=\"error-title\">Not allowed</h1>" in text
    assert "Your role in this project does not allow you to manage." in text
    assert 'id="error-home"' in text and f'href="{reverse("ui:home")}"' in text
    french = page(client_for(alice).get(reverse("ui:members", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Action non autorisée" in french and "Votre rôle dans ce projet ne vous permet pas de gérer." in french
    assert "Your role" not in french and "Vos projets" in french


def test_it_shows_an_outsider_the_same_404_as_for_a_missing_project(debug, project, charlie, client_for) -> None:
    """A 404 says one sentence for all: the view's reason would tell which ids exist."""
    response = client_for(charlie).get(reverse("ui:project", args=[project.slug]))
    assert response.status_code == 404
    text = page(response)
    assert "Page not found" in text and "This page does not exist, or you may not see it." in text
    assert 'class="topbar"' in text and "Technical" not in text and "URLconf" not in text  # not Django's debug page
    missing = page(client_for(charlie).get(reverse("ui:project", args=["no-such-project"])))
    assert main(missing) == main(text)
    french = page(client_for(charlie).get(reverse("ui:project", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Page introuvable" in french and "Cette page n'existe pas, ou vous ne pouvez pas la voir." in french


def test_an_address_no_route_matches_is_the_apps_404_for_anyone(debug, alice, client_for) -> None:
    for client in (Client(), client_for(alice)):
        response = client.get("/no/such/page/", HTTP_REFERER="http://testserver/p/test/")
        assert response.status_code == 404
        text = page(response)
        assert "This page does not exist, or you may not see it." in text
        assert "Using the URLconf" not in text and "<h1 id=\"error-title\">Page not found</h1>" in text
        assert 'href="http://testserver/p/test/" id="error-back"' in text  # back where they came from
    assert "Se connecter" in page(Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="fr"))


def test_a_foreign_referer_is_not_offered_as_the_way_back(alice, client_for) -> None:
    text = page(client_for(alice).get("/nowhere/", HTTP_REFERER="https://evil.example/"))
    assert "evil.example" not in text and 'id="error-back"' not in text


def test_the_api_keeps_answering_json(debug) -> None:
    response = Client().get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
