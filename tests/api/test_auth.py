"""Authentication: the token endpoint, the account page where users manage their own token,
session use from the browser, and throttling of anonymous clients and of each user."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_password_gives_a_token_that_authenticates(anon, users, project) -> None:
    response = anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=users["rhea"]).key == key
    # The same token on the next call (scripts may log in each time).
    again = anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"}, format="json")
    assert again.json()["token"] == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/projects/test/").status_code == 200


@pytest.mark.parametrize("body", [
    {"username": "rhea", "password": "wrong"},
    {"username": "nobody", "password": "pw-rhea"},
    {"username": "rhea"},
])
def test_bad_credentials_are_400_and_make_no_token(body, anon, users) -> None:
    response = anon.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"non_field_errors", "password"}
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(anon, users) -> None:
    users["rhea"].is_active = False
    users["rhea"].save()
    assert anon.post("/api/v1/auth/token/", {"username": "rhea", "password": "pw-rhea"},
                     format="json").status_code == 400


def test_revoked_or_unknown_token_is_401(client_for, users, project) -> None:
    client = client_for("alice")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not Token.objects.filter(user=users["alice"]).exists()
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    bogus = APIClient()
    bogus.credentials(HTTP_AUTHORIZATION="Token 0000")
    assert bogus.get("/api/v1/projects/").status_code == 401


def test_session_works_with_csrf(users, project) -> None:
    """The browser's session authenticates; its writes need the CSRF token like any form."""
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(users["max"])
    assert browser.get("/api/v1/projects/test/").status_code == 200
    refused = browser.patch("/api/v1/projects/test/", {"overlap": 3}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


# --- the account page ---------------------------------------------------------------------------


def test_account_page_creates_shows_once_rotates_and_revokes(client, users, django_assert_max_num_queries) -> None:
    url = reverse("ui:account_token")
    client.force_login(users["alice"])
    with django_assert_max_num_queries(6):
        page = client.get(url)
    assert page.status_code == 200 and b"You have no API token" in page.content

    created = client.post(url, {"action": "rotate"})
    key = Token.objects.get(user=users["alice"]).key
    assert key.encode() in created.content
    assert created["Cache-Control"] == "no-store"
    # Shown once: a later visit names only its first characters.
    later = client.get(url)
    assert key.encode() not in later.content and key[:4].encode() in later.content

    client.post(url, {"action": "rotate"})
    assert Token.objects.get(user=users["alice"]).key != key  # the old key is dead

    revoked = client.post(url, {"action": "revoke"}, follow=True)
    assert not Token.objects.filter(user=users["alice"]).exists()
    assert b"revoked" in revoked.content


def test_account_page_needs_login_and_only_touches_own_token(client, users) -> None:
    url = reverse("ui:account_token")
    assert client.get(url).status_code == 302
    assert client.post(url, {"action": "rotate"}).status_code == 302
    assert not Token.objects.exists()
    theirs = Token.objects.create(user=users["bob"])
    client.force_login(users["charlie"])
    client.post(url, {"action": "revoke"})
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_top_bar_links_to_the_token_page(client, users) -> None:
    client.force_login(users["alice"])
    page = client.get(reverse("ui:home"))
    assert reverse("ui:account_token").encode() in page.content


# --- throttling ---------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"}
    }
    cache.clear()


def test_anonymous_clients_are_throttled(low_rates, anon, users) -> None:
    body = {"username": "alice", "password": "wrong"}
    codes = [anon.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "Retry-After" in anon.post("/api/v1/auth/token/", body, format="json")


def test_each_user_is_throttled_separately(low_rates, client_for, project) -> None:
    alice, bob = client_for("alice"), client_for("bob")
    codes = [alice.get("/api/v1/projects/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert bob.get("/api/v1/projects/").status_code == 200


def test_rates_come_from_the_environment() -> None:
    """API_THROTTLE_ANON / API_THROTTLE_USER set the rates (defaults otherwise)."""
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings", "DEBUG": "1",
           "API_THROTTLE_ANON": "7/minute", "API_THROTTLE_USER": "70/hour"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert "'anon': '7/minute'" in out and "'user': '70/hour'" in out
