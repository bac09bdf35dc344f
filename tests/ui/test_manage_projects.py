"""The manager's project pages: creating a project, its settings, and its members."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from annotations.models import Annotation, Membership, Project, Role, Verdict, VerdictScheme
from annotations.services.projects import project_update
from tests.ui.fixtures_manage import *  # noqa: F401,F403
from tests.ui.fixtures_manage import assert_refused

pytestmark = pytest.mark.django_db

SETTINGS = {
    "name": "Sommet", "description": "", "language": "fr", "organisation": "Desk",
    "licence": "CC-BY-4.0", "task_kind": "both", "overlap": "2", "blind": "on",
    "auto_accept_unanimous": "on", "guidelines": "# Règles", "suggest_threshold": "",
    "suggest_per_10k": "25",
}


def settings_form(project: Project, **changes: str) -> dict:
    """The settings form as a browser posts it, with some fields changed."""
    data = {**SETTINGS, "scheme": str(project.scheme_id), **changes}
    return {k: v for k, v in data.items() if v is not None}


def other_scheme() -> VerdictScheme:
    scheme = VerdictScheme.objects.create(name="Binaire", slug="binaire")
    Verdict.objects.create(scheme=scheme, code="vrai", name="Vrai", order=1)
    return scheme


# --- creating a project ------------------------------------------------------------------------


def test_a_user_with_the_permission_creates_a_project_and_becomes_its_manager(people, max_, default_scheme_id):
    url = reverse("ui:project_create")
    page = people["max"].get(url)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = people["max"].post(url, {
        "name": "Élections 2026", "slug": "", "language": "fr", "scheme": default_scheme_id,
        "task_kind": "judging", "overlap": "3", "blind": "on", "guidelines": "Lire *tout*.",
    })
    project = Project.objects.get(slug="elections-2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:project", args=[project.slug])
    assert (project.overlap, project.task_kind, project.blind, project.auto_accept_unanimous) == (
        3, "judging", True, False
    )
    assert list(Membership.objects.filter(project=project).values_list("user__username", "role")) == [
        ("max", Role.MANAGER)
    ]


@pytest.mark.parametrize("who", ["alice", "rita", "rhea", "charlie"])
def test_users_without_the_permission_cannot_create_projects(people, who, default_scheme_id):
    url = reverse("ui:project_create")
    assert people[who].get(url).status_code == 403
    response = people[who].post(url, {"name": "X", "language": "fr", "scheme": default_scheme_id, "overlap": "2"})
    assert response.status_code == 403
    assert not Project.objects.filter(name="X").exists()


def test_anonymous_visitors_are_sent_to_log_in_before_creating(people):
    response = people["anonymous"].get(reverse("ui:project_create"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_bad_new_project_shows_its_errors_and_creates_nothing(people, project, default_scheme_id):
    before = Project.objects.count()
    response = people["max"].post(reverse("ui:project_create"), {
        "name": "Doublon", "slug": project.slug, "language": "français", "scheme": default_scheme_id,
        "task_kind": "both", "overlap": "0",
    })
    text = response.content.decode()
    assert response.status_code == 400
    assert "Another project already uses this short name." in text
    assert "Use a language code such as fr, en or pt-BR." in text
    assert "Ensure this value is greater than or equal to 1." in text
    assert Project.objects.count() == before


def test_the_new_project_form_offers_only_schemes_the_user_may_see(people, project, users):
    foreign = Project.objects.create(name="Ailleurs", slug="ailleurs", scheme=other_scheme())
    Membership.objects.create(user=users["charlie"], project=foreign, role=Role.MANAGER)
    page = people["max"].get(reverse("ui:project_create")).content.decode()
    assert "Binaire" not in page
    response = people["max"].post(reverse("ui:project_create"), {
        "name": "Vol", "language": "fr", "scheme": str(foreign.scheme_id), "task_kind": "both",
        "overlap": "2",
    })
    assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.filter(name="Vol").exists()


def test_the_home_page_offers_new_project_to_those_who_may(people, project):
    url = reverse("ui:home")
    create = reverse("ui:project_create")
    assert create in people["max"].get(url).content.decode()
    assert 'data-hotkey="n"' in people["max"].get(url).content.decode()
    assert create not in people["alice"].get(url).content.decode()


# --- settings ------------------------------------------------------------------------------------


def test_settings_page_access(people, project):
    assert_refused(people, reverse("ui:project_settings", args=[project.slug]), allowed={"max"})


def test_a_manager_changes_every_setting(people, project):
    scheme = other_scheme()
    url = reverse("ui:project_settings", args=[project.slug])
    response = people["max"].post(url, settings_form(
        project, name="Sommet d'Anchorage", language="en", scheme=str(scheme.pk), task_kind="finding",
        overlap="3", blind=None, auto_accept_unanimous=None, suggest_on_import="on",
        show_annotator_names="on", organisation="AFP Factuel", licence="CC0-1.0",
        guidelines="## Nouvelles règles", description="Cinq articles", suggest_threshold="0.6",
        suggest_per_10k="",
    ))
    assert response.status_code == 302 and response["Location"] == url
    project.refresh_from_db()
    assert (
        project.name, project.language, project.scheme_id, project.task_kind, project.overlap,
        project.blind, project.auto_accept_unanimous, project.suggest_on_import,
        project.show_annotator_names, project.organisation, project.licence, project.guidelines,
        project.description, project.suggest_threshold, project.suggest_per_10k,
    ) == (
        "Sommet d'Anchorage", "en", scheme.pk, "finding", 3, False, False, True, True,
        "AFP Factuel", "CC0-1.0", "## Nouvelles règles", "Cinq articles", 0.6, None,
    )
    assert "Settings saved." in people["max"].get(url).content.decode()


def test_bad_settings_are_shown_by_field_and_nothing_changes(people, project):
    url = reverse("ui:project_settings", args=[project.slug])
    response = people["max"].post(url, settings_form(project, name="Autre", overlap="0", language=""))
    text = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in text
    assert "Ensure this value is greater than or equal to 1." in text
    assert "This field is required." in text
    project.refresh_from_db()
    assert (project.name, project.overlap, project.language) == ("Test project", 2, "fr")


def test_the_scheme_cannot_change_once_claims_are_annotated(people, project, claim, alice, verdicts):
    Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"])
    scheme = other_scheme()
    url = reverse("ui:project_settings", args=[project.slug])
    response = people["max"].post(url, settings_form(project, name="Renommé", scheme=str(scheme.pk)))
    assert response.status_code == 400
    assert "The scheme cannot change once claims have been annotated." in response.content.decode()
    project.refresh_from_db()
    assert project.scheme.is_default and project.name == "Test project"


def test_settings_forms_need_the_csrf_token(project, max_):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(max_)
    url = reverse("ui:project_settings", args=[project.slug])
    assert client.post(url, settings_form(project, name="Sans jeton")).status_code == 403
    project.refresh_from_db()
    assert project.name == "Test project"


def test_settings_page_escapes_the_project_name_and_renders_guidelines_safely(people, project):
    project.name = '<script>alert("x")</script>'
    project.guidelines = '<script>alert(1)</script>\n\n[lien](javascript:alert(2)) **gras**'
    project.save()
    page = people["max"].get(reverse("ui:project_settings", args=[project.slug])).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    preview = people["max"].post(
        reverse("ui:guidelines_preview", args=[project.slug]), {"guidelines": project.guidelines}
    )
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "<strong>gras</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_guidelines_preview_access_and_method(people, project):
    url = reverse("ui:guidelines_preview", args=[project.slug])
    assert_refused(people, url, allowed={"max"}, method="post", data={"guidelines": "# T"})
    assert people["max"].get(url).status_code == 405


def test_settings_page_query_count(people, project, django_assert_max_num_queries):
    url = reverse("ui:project_settings", args=[project.slug])
    with django_assert_max_num_queries(9):
        assert people["max"].get(url).status_code == 200


# --- project_update, the service ------------------------------------------------------------------


def test_project_update_refuses_non_managers_and_unknown_fields(project, alice, max_):
    with pytest.raises(PermissionDenied):
        project_update(project=project, by=alice, name="X")
    with pytest.raises(ValidationError) as refused:
        project_update(project=project, by=max_, slug="autre", pseudonym_salt="0")
    assert set(refused.value.message_dict) == {"slug", "pseudonym_salt"}


def test_project_update_keys_errors_by_field_and_saves_nothing(project, max_):
    with pytest.raises(ValidationError) as refused:
        project_update(project=project, by=max_, overlap=0, language="French!", name="  ", licence="x" * 101)
    assert set(refused.value.message_dict) == {"overlap", "language", "name"}
    with pytest.raises(ValidationError) as refused:
        project_update(project=project, by=max_, licence="x" * 101, name="Nouveau")
    assert set(refused.value.message_dict) == {"licence"}
    project.refresh_from_db()
    assert (project.name, project.overlap, project.language, project.licence) == (
        "Test project", 2, "fr", "CC-BY-4.0"
    )


def test_project_update_refuses_another_projects_private_scheme(project, max_, users):
    foreign = Project.objects.create(name="Ailleurs", slug="ailleurs", scheme=other_scheme())
    with pytest.raises(ValidationError) as refused:
        project_update(project=project, by=max_, scheme=foreign.scheme)
    assert "scheme" in refused.value.message_dict


# --- members -------------------------------------------------------------------------------------


def test_members_page_access(people, project):
    assert_refused(people, reverse("ui:members", args=[project.slug]), allowed={"max"})


def test_members_page_lists_everyone_with_their_roles(people, project):
    text = people["max"].get(reverse("ui:members", args=[project.slug])).content.decode()
    for name in ("alice", "bob", "rita", "max", "rhea"):
        assert f"<td>{name}" in text
    assert "charlie" not in text
    assert "5 members" in text


def test_a_manager_adds_a_role_by_username(people, project, charlie):
    url = reverse("ui:members", args=[project.slug])
    response = people["max"].post(url, {"username": "charlie", "role": Role.REVIEWER})
    assert response.status_code == 302
    assert Membership.objects.filter(project=project, user=charlie, role=Role.REVIEWER).exists()
    assert people["charlie"].get(url).status_code == 403  # a reviewer now, not a manager


def test_adding_an_unknown_user_shows_the_error_and_adds_nothing(people, project):
    before = Membership.objects.count()
    response = people["max"].post(reverse("ui:members", args=[project.slug]), {"username": "nobody", "role": "manager"})
    assert response.status_code == 400
    assert "No active user has this username." in response.content.decode()
    response = people["max"].post(reverse("ui:members", args=[project.slug]), {"username": "alice", "role": "boss"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Membership.objects.count() == before


def test_adding_and_removing_members_is_for_managers_only(people, project, charlie, alice):
    add = reverse("ui:members", args=[project.slug])
    for who in ("alice", "rita", "rhea"):
        assert people[who].post(add, {"username": "charlie", "role": "manager"}).status_code == 403
    assert people["charlie"].post(add, {"username": "charlie", "role": "manager"}).status_code == 404
    remove = reverse("ui:member_remove", args=[project.slug])
    for who in ("bob", "rita", "rhea"):
        assert people[who].post(remove, {"user": alice.pk, "role": "annotator"}).status_code == 403
    assert people["charlie"].post(remove, {"user": alice.pk, "role": "annotator"}).status_code == 404
    assert people["anonymous"].post(remove, {"user": alice.pk, "role": "annotator"}).status_code == 302
    assert people["max"].get(remove).status_code == 405
    assert not Membership.objects.filter(project=project, user=charlie).exists()
    assert Membership.objects.filter(project=project, user=alice, role="annotator").exists()


def test_a_manager_removes_a_role(people, project, alice):
    response = people["max"].post(
        reverse("ui:member_remove", args=[project.slug]), {"user": alice.pk, "role": "annotator"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(project=project, user=alice).exists()
    assert people["alice"].get(reverse("ui:project_settings", args=[project.slug])).status_code == 404


def test_the_last_manager_cannot_be_removed(people, project, max_):
    response = people["max"].post(
        reverse("ui:member_remove", args=[project.slug]), {"user": max_.pk, "role": "manager"},
        follow=True,
    )
    assert "A project keeps at least one manager." in response.content.decode()
    assert Membership.objects.filter(project=project, user=max_, role="manager").exists()


def test_a_manager_who_steps_down_lands_on_the_project_page(people, project, max_, rita):
    Membership.objects.create(project=project, user=rita, role=Role.MANAGER)
    response = people["max"].post(
        reverse("ui:member_remove", args=[project.slug]), {"user": max_.pk, "role": "manager"}
    )
    assert response["Location"] == reverse("ui:project", args=[project.slug])
    assert not Membership.objects.filter(project=project, user=max_, role="manager").exists()


def test_members_page_query_count_does_not_grow_with_members(
    people, project, django_user_model, django_assert_max_num_queries
):
    url = reverse("ui:members", args=[project.slug])
    for i in range(30):
        user = django_user_model.objects.create_user(username=f"user{i}")
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    with django_assert_max_num_queries(9):
        text = people["max"].get(url).content.decode()
    assert "35 members" in text


def test_member_names_are_escaped(people, project, django_user_model):
    user = django_user_model.objects.create_user(username="x<script>", first_name='<img src=x onerror="alert(1)">')
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    text = people["max"].get(reverse("ui:members", args=[project.slug])).content.decode()
    assert "x<script>" not in text and "<img src=x" not in text
    assert "x&lt;script&gt;" in text


def test_a_stale_settings_form_is_refused_and_keeps_what_was_typed(people, project, max_):
    url = reverse("ui:project_settings", args=[project.slug])
    page = people["max"].get(url).content.decode()
    version = page.split('name="version" value="')[1].split('"')[0]
    project_update(project=project, by=max_, overlap=4)  # another manager saves in between
    response = people["max"].post(url, settings_form(project, name="Mon nom", version=version))
    text = response.content.decode()
    assert response.status_code == 409
    assert "Someone changed these settings since you opened them; nothing was saved." in text
    assert 'value="Mon nom"' in text
    project.refresh_from_db()
    assert (project.name, project.overlap) == ("Test project", 4)
    fresh = text.split('name="version" value="')[1].split('"')[0]
    assert fresh != version
    response = people["max"].post(url, settings_form(project, name="Mon nom", overlap="4", version=fresh))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Mon nom"


def test_project_update_checks_the_settings_version(project, max_):
    from annotations.access import StaleVersion
    from annotations.services.projects import settings_version

    seen = settings_version(project)
    project_update(project=project, by=max_, version=seen, licence="CC0-1.0")
    with pytest.raises(StaleVersion):
        project_update(project=project, by=max_, version=seen, name="Perdu")
    project.refresh_from_db()
    assert (project.name, project.licence) == ("Test project", "CC0-1.0")


def test_member_changes_and_project_creation_need_the_csrf_token(project, max_, alice, default_scheme_id):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(max_)
    assert client.post(reverse("ui:members", args=[project.slug]), {"username": "charlie", "role": "manager"}).status_code == 403
    assert client.post(reverse("ui:member_remove", args=[project.slug]), {"user": alice.pk, "role": "annotator"}).status_code == 403
    assert client.post(reverse("ui:project_create"), {
        "name": "Sans jeton", "language": "fr", "scheme": default_scheme_id, "task_kind": "both", "overlap": "2",
    }).status_code == 403
    assert Membership.objects.filter(project=project).count() == 5
    assert not Project.objects.filter(name="Sans jeton").exists()


def test_the_licence_comes_from_a_list_or_is_named_and_fact_checks_get_a_public_address(people, project):
    url = reverse("ui:project_settings", args=[project.slug])
    response = people["max"].post(url, settings_form(project, licence="other", licence_name=""))
    assert response.status_code == 400 and "Name the licence" in response.content.decode()
    response = people["max"].post(url, settings_form(
        project, licence="other", licence_name="Licence maison v2",
        public_base_url="https://factcheck.example.org/checks/{claim_id}.html",
    ))
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.licence == "Licence maison v2"
    assert project.public_base_url == "https://factcheck.example.org/checks/{claim_id}.html"
    form = people["max"].get(url).context["form"]
    assert (form["licence"].initial, form["licence_name"].initial) == ("other", "Licence maison v2")
    project.licence = "CC BY 4.0"  # typed as text before the list existed
    project.save(update_fields=["licence"])
    assert people["max"].get(url).context["form"]["licence"].initial == "CC-BY-4.0"
