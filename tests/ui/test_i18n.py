"""English and French: the browser's Accept-Language, the language switch, and a complete catalogue."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from annotations.services.projects import project_update

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
NBSP = "\u00a0"


def text(response) -> str:
    """The page as a reader sees it: entities decoded (French is full of apostrophes)."""
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


# --- pages --------------------------------------------------------------------------------------


def test_the_login_page_speaks_english_by_default_and_french_to_a_french_browser(client):
    english = text(client.get(reverse("ui:login")))
    assert '<html lang="en">' in english and "<h1>Log in</h1>" in english and "Password" in english
    french = text(client.get(reverse("ui:login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5"))
    assert '<html lang="fr">' in french
    assert "<h1>Se connecter</h1>" in french and "Nom d'utilisateur" in french and "Mot de passe" in french
    assert "Raccourcis clavier" in french and "Log in" not in french


def test_the_home_page_in_french_translates_roles_and_counts(project, article, alice, client_for):
    client = client_for(alice)
    english = text(client.get(reverse("ui:home")))
    assert "Your projects" in english and '<span class="tag">annotator</span>' in english
    french = text(client.get(reverse("ui:home"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "<h1>Vos projets</h1>" in french
    assert '<span class="tag">annotateur</span>' in french
    assert "1 article" in french and f"Projet{NBSP}: 0 affirmations sur 0" in french and "Your projects" not in french
    assert ">Se déconnecter<" in french and ">Jeton d'API<" in french


def test_the_project_page_in_french(project, claim, alice, client_for):
    french = text(client_for(alice).get(reverse("ui:project", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Vue d'ensemble" in french and "Votre travail" in french
    assert "2 annotateurs par affirmation" in french and "en aveugle" in french
    assert '<span class="tag">annotateur</span>' in french
    assert ">Suivant <kbd>n</kbd>" in french
    english = text(client_for(alice).get(reverse("ui:project", args=[project.slug])))
    assert "2 annotators per claim" in english and "Overview" in english


def test_the_default_verdict_names_are_french_on_the_adjudication_page(project, claim, rita, client_for):
    url = reverse("ui:adjudicate", args=[claim.pk])
    french = text(client_for(rita).get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    for name in ("Avéré", "Faux", "Trompeur (sélectif)", "Sources contradictoires",
                 "Preuves insuffisantes", "Non vérifiable"):
        assert name in french, name
    assert "Misleading (cherry-picking)" not in french
    assert "Misleading (cherry-picking)" in text(client_for(rita).get(url))


@pytest.mark.parametrize("who, page", [("rita", "ui:agreement"), ("max_", "ui:releases")])
def test_verdict_names_are_french_in_the_agreement_figures_and_the_release_form(
    project, claim, who, page, request, client_for
):
    client = client_for(request.getfixturevalue(who))
    url = reverse(page, args=[project.slug])
    french = text(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Sources contradictoires" in french and "Non vérifiable" in french
    assert "Conflicting" not in french and "Not a checkable" not in french
    assert "Conflicting evidence" in text(client.get(url))


def test_the_claim_panel_offers_the_verdicts_in_french(project, claim, alice, client_for):
    url = reverse("ui:article", args=[claim.article_id]) + f"?claim={claim.pk}"
    french = text(client_for(alice).get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Votre verdict" in french and "Trompeur (sélectif)" in french and "Preuves insuffisantes" in french
    assert "Misleading" not in french


def test_service_errors_shown_in_the_ui_follow_the_language(project, max_):
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        project_update(project=project, by=max_, name="  ")
    assert caught.value.message_dict["name"] == ["Un projet doit avoir un nom."]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        project_update(project=project, by=max_, name="  ")
    assert caught.value.message_dict["name"] == ["A project needs a name."]


# --- the language switch ------------------------------------------------------------------------


def test_the_top_bar_switch_posts_to_set_language_and_the_choice_sticks(client):
    page = text(client.get(reverse("ui:login")))
    assert f'action="{reverse("set_language")}" method="post"' in page
    assert '<option value="fr">FR</option>' in page
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("ui:login")})
    assert response.status_code == 302 and response["Location"] == reverse("ui:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # The cookie wins over the browser's own preference from now on.
    french = text(client.get(reverse("ui:login"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "<h1>Se connecter</h1>" in french and '<option value="fr" selected>FR</option>' in french
    client.post(reverse("set_language"), {"language": "en", "next": reverse("ui:login")})
    assert "<h1>Log in</h1>" in text(client.get(reverse("ui:login")))


def test_the_switch_keeps_a_logged_in_user_on_their_page(project, alice):
    client = Client()
    client.force_login(alice)
    page = reverse("ui:project", args=[project.slug])
    response = client.post(reverse("set_language"), {"language": "fr", "next": page})
    assert response["Location"] == page
    assert "Vue d'ensemble" in text(client.get(page))


def test_an_unknown_language_changes_nothing(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert "<h1>Log in</h1>" in text(client.get(reverse("ui:login")))


# --- the catalogue ------------------------------------------------------------------------------


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n], flags (no polib needed)."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%|\{\{ *\w+ *\}\}")


def translations() -> list[dict]:
    return [e for e in parse_po(LOCALE / "django.po") if e["msgid"]]


def test_the_french_catalogue_is_complete_and_not_fuzzy():
    entries = translations()
    assert len(entries) > 500
    for e in entries:
        assert "fuzzy" not in e["flags"], e["msgid"]
        if "msgid_plural" in e:
            assert e["msgstr[0]"] and e["msgstr[1]"], e["msgid"]
        else:
            assert e["msgstr"], e["msgid"]
    assert not re.search(r"^#~", (LOCALE / "django.po").read_text(encoding="utf-8"), re.M)  # no obsolete entries
    header = next(e for e in parse_po(LOCALE / "django.po") if e["msgid"] == "")
    assert "fuzzy" not in header["flags"] and "Plural-Forms: nplurals=2; plural=(n > 1);" in header["msgstr"]


def test_translations_keep_every_placeholder():
    for e in translations():
        if "msgid_plural" in e:
            pairs = [(e["msgid"], e["msgstr[0]"]), (e["msgid_plural"], e["msgstr[1]"])]
        else:
            pairs = [(e["msgid"], e["msgstr"])]
        for source, target in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), source


def test_the_committed_mo_file_matches_the_po_file():
    """The .mo is what Django reads; CI has no gettext, so it must be compiled from the current .po."""
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gnu_gettext.GNUTranslations(handle)._catalog
    expected = {}
    for e in translations():
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            expected[(msgid, 0)] = e["msgstr[0]"]
            expected[(msgid, 1)] = e["msgstr[1]"]
        else:
            expected[msgid] = e["msgstr"]
    compiled = {key: value for key, value in catalogue.items() if key != ""}
    assert compiled == expected


def test_django_reads_the_catalogue():
    with translation.override("fr"):
        assert translation.gettext("Supported") == "Avéré"
        assert translation.gettext("Not a checkable claim") == "Non vérifiable"
        assert translation.ngettext("%(n)s article", "%(n)s articles", 2) % {"n": 2} == "2 articles"
        assert translation.gettext("Release %(v)s") % {"v": "v1"} == "Version v1"
        assert translation.gettext("Remove this evidence?") == f"Retirer cette preuve{NBSP}?"
