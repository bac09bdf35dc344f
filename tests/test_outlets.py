"""Outlets belong to a project: imports, the admin and the API keep each project's to itself."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import Article, Membership, Outlet, Project, Role, body_hash
from annotations.services.articles import article_save, outlet_save
from annotations.services.imports import articles_import
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db


def url(view: str = "changelist", *args: object) -> str:
    return reverse(f"admin:annotations_outlet_{view}", args=args)


@pytest.fixture
def other(django_user_model):
    """Project B: olga manages it; none of the personas belongs to it. Its outlet is Le Monde."""
    olga = django_user_model.objects.create_user(username="olga", password="pw", is_staff=True)
    project = Project.objects.create(name="Elsewhere", slug="elsewhere", scheme=default_scheme())
    Membership.objects.create(user=olga, project=project, role=Role.MANAGER)
    outlet = Outlet.objects.create(project=project, name="Le Monde", domain="lemonde.fr")
    body = "Un article d'ailleurs."
    Article.objects.create(project=project, outlet=outlet, body=body, body_hash=body_hash(body))
    return {"project": project, "olga": olga, "outlet": outlet}


@pytest.fixture
def ours(project):
    """Project A's own Le Monde, on one of its articles."""
    outlet = Outlet.objects.create(project=project, name="Le Monde", domain="lemonde.fr")
    body = "Un article d'ici."
    Article.objects.create(project=project, outlet=outlet, body=body, body_hash=body_hash(body))
    return outlet


def _form(outlet: Outlet, **changes: str) -> dict:
    return {"name": outlet.name, "domain": outlet.domain, "country": outlet.country,
            "language": outlet.language, **changes}


def test_it_gives_each_project_its_own_outlet_on_import(project, max_, other, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"body": "Texte un.", "outlet": "Le Monde", "outlet_domain": "monde.example"}) + "\n"
        + json.dumps({"body": "Texte deux.", "outlet": "Le Monde"}) + "\n",
        encoding="utf-8",
    )
    articles_import(project=project, path=path, by=max_)
    mine = Outlet.objects.get(project=project)
    assert (mine.name, mine.domain) == ("Le Monde", "monde.example")
    assert set(Article.objects.filter(project=project).values_list("outlet", flat=True)) == {mine.pk}
    other["outlet"].refresh_from_db()
    assert other["outlet"].domain == "lemonde.fr"  # B's outlet of the same name is untouched
    assert Outlet.objects.count() == 2


def test_a_reviewer_lists_and_opens_only_her_projects_outlets(client, rita, ours, other):
    client.force_login(rita)
    listed = client.get(url())
    assert [o.pk for o in listed.context["cl"].result_list] == [ours.pk]
    assert client.get(url("change", ours.pk)).status_code == 200
    response = client.get(url("change", other["outlet"].pk))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    found = client.get(reverse("admin:autocomplete"), {
        "app_label": "annotations", "model_name": "article", "field_name": "outlet", "term": "Monde",
    })
    assert {int(item["id"]) for item in found.json()["results"]} == {ours.pk}


def test_a_reviewer_cannot_change_an_outlet(client, rita, ours, other):
    client.force_login(rita)
    for outlet in (ours, other["outlet"]):
        response = client.post(url("change", outlet.pk), _form(outlet, name="Renamed"))
        assert response.status_code in (302, 403)
        outlet.refresh_from_db()
        assert outlet.name == "Le Monde"
    assert client.get(url("add")).status_code == 403


def test_a_manager_renames_her_projects_outlet_but_not_anothers(client, max_, ours, other):
    client.force_login(max_)
    response = client.post(url("change", other["outlet"].pk), _form(other["outlet"], name="Renamed"))
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or response["Location"] == reverse("admin:index")
    other["outlet"].refresh_from_db()
    assert other["outlet"].name == "Le Monde"
    assert client.post(url("delete", other["outlet"].pk), {"post": "yes"}).status_code in (302, 403)
    assert Outlet.objects.filter(pk=other["outlet"].pk).exists()

    response = client.post(url("change", ours.pk), _form(ours, name="Le Monde (Paris)"))
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.name, ours.project_id) == ("Le Monde (Paris)", ours.project_id)


def test_a_manager_adds_outlets_only_to_projects_she_manages(client, max_, project, other):
    client.force_login(max_)
    page = client.get(url("add"))
    assert set(page.context["adminform"].form.fields["project"].queryset) == {project}
    refused = client.post(url("add"), {"project": other["project"].pk, "name": "Intrus"})
    assert refused.status_code == 200 and "project" in refused.context["adminform"].form.errors
    added = client.post(url("add"), {"project": project.pk, "name": "Le Monde"})
    assert added.status_code == 302
    assert Outlet.objects.get(project=project).name == "Le Monde"
    twin = client.post(url("add"), {"project": project.pk, "name": "Le Monde"})
    assert twin.status_code == 200 and twin.context["adminform"].form.errors
    assert Outlet.objects.filter(name="Le Monde").count() == 2  # A's and B's


def test_the_services_keep_outlets_and_articles_in_their_project(project, max_, ours, other, users):
    with pytest.raises(ValidationError) as exc:
        article_save(article=Article(project=project, outlet=other["outlet"], body="Neuf."), by=max_)
    assert "outlet" in exc.value.error_dict
    ours.project = other["project"]
    with pytest.raises(Exception):  # not a manager of B, and an outlet never moves
        outlet_save(outlet=ours, by=max_)
    ours.refresh_from_db()
    assert ours.project == project
    other["outlet"].name = "Renamed"
    with pytest.raises(Exception):
        outlet_save(outlet=other["outlet"], by=max_)
    with pytest.raises(Exception):
        outlet_save(outlet=Outlet(project=project, name="Nouveau"), by=users["rita"])
    assert set(Outlet.objects.values_list("name", flat=True)) == {"Le Monde"}


def test_the_api_shows_only_outlets_of_readable_articles(rita, ours, other):
    client = APIClient()
    client.force_authenticate(rita)
    listed = client.get("/api/v1/articles/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["outlet"] for row in rows} == {"Le Monde"}
    assert {row["project"] for row in rows} == {"test"}
    theirs = Article.objects.get(project=other["project"])
    assert client.get(f"/api/v1/articles/{theirs.pk}/").status_code == 404
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code == 200:
        assert not any("outlet" in path for path in json.loads(schema.content)["paths"])


def test_deleting_a_project_takes_its_outlets_along(project, ours, other):
    project.delete()
    assert list(Outlet.objects.all()) == [other["outlet"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_splits_a_shared_outlet_per_project():
    executor = MigrationExecutor(connection)
    ours = next(
        key for key in executor.loader.disk_migrations
        if key[0] == "annotations" and key[1].endswith("_outlet_project")
    )
    parents = [d for d in executor.loader.disk_migrations[ours].dependencies if d[0] == "annotations"]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(parents)
    try:
        old = executor.loader.project_state(parents).apps
        scheme = old.get_model("annotations", "VerdictScheme").objects.first()
        Project_ = old.get_model("annotations", "Project")
        Outlet_ = old.get_model("annotations", "Outlet")
        Article_ = old.get_model("annotations", "Article")
        a = Project_.objects.create(name="A", slug="a", scheme=scheme)
        b = Project_.objects.create(name="B", slug="b", scheme=scheme)
        shared = Outlet_.objects.create(name="TASS", domain="tass.com", country="RU")
        Outlet_.objects.create(name="Unused")
        for project, text in ((a, "Un."), (a, "Deux."), (b, "Trois.")):
            Article_.objects.create(project=project, outlet=shared, body=text, body_hash=body_hash(text))

        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
        outlets = {o.project.slug: o for o in Outlet.objects.select_related("project")}
        assert set(outlets) == {"a", "b"}  # the unused outlet had no project to go to
        assert outlets["a"].pk == shared.pk  # the first project keeps the row
        assert (outlets["b"].name, outlets["b"].domain, outlets["b"].country) == ("TASS", "tass.com", "RU")
        for article in Article.objects.select_related("outlet", "project"):
            assert article.outlet.project_id == article.project_id
    finally:
        MigrationExecutor(connection).migrate(leaves)


def test_an_outlet_in_use_is_not_deleted_but_an_unused_one_is(client, max_, project, ours):
    client.force_login(max_)
    response = client.post(url("delete", ours.pk), {"post": "yes"})
    assert response.status_code == 200 and response.context["protected"]
    assert Outlet.objects.filter(pk=ours.pk).exists()
    unused = Outlet.objects.create(project=project, name="Sans articles")
    assert client.post(url("delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not Outlet.objects.filter(pk=unused.pk).exists()
