"""People and schemes in the app: passwords (change, reset by e-mail), new people, the verdict scheme."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from annotations.models import Membership, Project, Role, Verdict
from annotations.services import work
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db

STRONG = "Anchorage-Summit-2025!"


@pytest.fixture
def email_on(settings):
    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WORKBENCH_URL = "https://wb.example"


# --- passwords ------------------------------------------------------------------------------------


def test_a_user_changes_their_password(client_for, alice):
    client = client_for(alice)
    url = reverse("ui:password_change")
    bad = client.post(url, {"old_password": "wrong", "new_password1": STRONG, "new_password2": STRONG})
    assert bad.status_code == 200 and "Old password:" in bad.content.decode()
    response = client.post(url, {"old_password": "pw-alice", "new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302 and response["Location"] == reverse("ui:password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(STRONG)


def test_password_change_needs_a_login(client):
    response = client.get(reverse("ui:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))


def test_reset_by_email_sends_a_link_that_sets_the_password(client, alice, email_on):
    alice.email = "alice@example.org"
    alice.save()
    response = client.post(reverse("ui:password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/password-reset/\S+/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else re.sub(r"^https?://[^/]+", "", link)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(STRONG)


def test_reset_without_email_says_whom_to_ask_and_sends_nothing(client, alice, settings):
    settings.EMAIL_ENABLED = False
    page = client.get(reverse("ui:password_reset")).content.decode()
    assert "ask a manager" in page
    assert client.post(reverse("ui:password_reset"), {"email": "alice@example.org"}).status_code == 409
    assert mail.outbox == []


# --- new people -----------------------------------------------------------------------------------


def test_only_managers_create_people(client, client_for, alice, rita, charlie, project):
    url = reverse("ui:person_new", args=[project.slug])
    data = {"username": "nina", "role": Role.ANNOTATOR, "password": STRONG}
    assert client.get(url).status_code == 302
    assert client_for(charlie).post(url, data).status_code == 404
    assert client_for(alice).post(url, data).status_code == 403
    assert client_for(rita).post(url, data).status_code == 403
    assert not get_user_model().objects.filter(username="nina").exists()


def test_a_manager_creates_an_account_with_a_password(client_for, max_, project):
    response = client_for(max_).post(reverse("ui:person_new", args=[project.slug]),
                                     {"username": "nina", "role": Role.REVIEWER, "password": STRONG})
    assert response.status_code == 302
    nina = get_user_model().objects.get(username="nina")
    assert nina.check_password(STRONG)
    assert list(Membership.objects.filter(user=nina).values_list("role", flat=True)) == [Role.REVIEWER]


def test_a_manager_invites_by_email(client_for, max_, project, email_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(max_).post(reverse("ui:person_new", args=[project.slug]),
                                         {"username": "nina", "email": "nina@example.org", "role": Role.ANNOTATOR})
    assert response.status_code == 302
    nina = get_user_model().objects.get(username="nina")
    assert not nina.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["nina@example.org"] and "https://wb.example/password-reset/" in message.body
    assert "Test project" in message.subject


@pytest.mark.parametrize(("data", "message"), [
    ({"username": "alice", "role": "annotator", "password": STRONG}, "This username is taken"),
    ({"username": "nina", "role": "annotator"}, "Give a password, or an e-mail address"),
    ({"username": "nina", "role": "annotator", "email": "n@example.org"}, "sends no e-mail"),
    ({"username": "nina", "role": "annotator", "password": "123"}, "too short"),
    ({"username": "bad name!", "role": "annotator", "password": STRONG}, "Enter a valid username"),
])
def test_bad_people_are_refused_with_the_reason(client_for, max_, project, settings, data, message):
    settings.EMAIL_ENABLED = False
    before = get_user_model().objects.count()
    response = client_for(max_).post(reverse("ui:person_new", args=[project.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert get_user_model().objects.count() == before


# --- the verdict scheme -------------------------------------------------------------------------


def rows(*verdicts: tuple[str, str, str]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {k: [] for k in (
        "code", "name", "description", "hotkey", "colour", "fever_label", "averitec_label",
        "claimreview_rating", "claimreview_name_en", "claimreview_name_fr")}
    for code, name, key in verdicts:
        for k in data:
            data[k].append("")
        data["code"][-1], data["name"][-1], data["hotkey"][-1] = code, name, key
        data["colour"][-1] = "#336699"
        data["fever_label"][-1] = "SUPPORTS" if code == "vrai" else "REFUTES"
        data["claimreview_rating"][-1] = "5" if code == "vrai" else "1"
    return data


def test_only_managers_edit_the_scheme(client, client_for, alice, rita, charlie, project):
    url = reverse("ui:scheme_edit", args=[project.slug])
    assert client.get(url).status_code == 302
    assert client_for(charlie).get(url).status_code == 404
    assert client_for(alice).get(url).status_code == 403
    assert client_for(rita).post(url, rows(("vrai", "Vrai", "v"), ("faux", "Faux", "f"))).status_code == 403


def test_a_manager_edits_the_scheme_on_a_copy_the_other_projects_do_not_see(client_for, max_, project, users):
    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    client = client_for(max_)
    url = reverse("ui:scheme_edit", args=[project.slug])
    assert "Supported" in client.get(url).content.decode()
    response = client.post(url, rows(("vrai", "Vrai", "v"), ("faux", "Faux", "f")))
    assert response.status_code == 302
    project.refresh_from_db()
    assert not project.scheme.is_default
    assert [(v.code, v.hotkey, v.colour, v.fever_label, v.claimreview_rating) for v in project.scheme.verdicts.all()] == [
        ("vrai", "v", "#336699", "SUPPORTS", 5), ("faux", "f", "#336699", "REFUTES", 1),
    ]
    other.refresh_from_db()
    assert other.scheme.is_default and other.scheme.verdicts.count() == 6


def test_bad_schemes_name_the_row_and_change_nothing(client_for, max_, project):
    before = list(project.scheme.verdicts.values_list("code", flat=True))
    data = rows(("vrai", "Vrai", "v"), ("faux", "Faux", "v"), ("vrai", "", "x"))
    data["colour"][0] = "red"
    response = client_for(max_).post(reverse("ui:scheme_edit", args=[project.slug]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Row 1, colour:" in html and "Row 2, hotkey:" in html and "Row 3, code:" in html and "Row 3, name:" in html
    project.refresh_from_db()
    assert project.scheme.is_default
    assert list(project.scheme.verdicts.values_list("code", flat=True)) == before


def test_the_scheme_is_locked_once_verdicts_were_given(client_for, max_, alice, project, claim, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    client = client_for(max_)
    url = reverse("ui:scheme_edit", args=[project.slug])
    assert 'id="scheme-locked"' in client.get(url).content.decode()
    response = client.post(url, rows(("vrai", "Vrai", "v"), ("faux", "Faux", "f")))
    assert response.status_code == 400 and "Annotation has started" in response.content.decode()
    assert not Verdict.objects.filter(code="vrai").exists()
