"""GET /api/v1/: the API's root lists its resources to anyone, and no project's data."""

from __future__ import annotations

import pytest

from annotations.api.urls import router

pytestmark = pytest.mark.django_db


def test_it_lists_every_resource_with_its_url(anon) -> None:
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert set(body["resources"]) == {prefix for prefix, _, _ in router.registry} - {"release-files"}
    assert body["resources"]["projects"] == "http://testserver/api/v1/projects/"
    assert body["token"] == "http://testserver/api/v1/auth/token/"
    assert body["docs"] == "http://testserver/api/docs/" and body["schema"] == "http://testserver/api/schema/"
    # Each listed collection answers (here 401: the client has no token), none is a 404.
    for url in body["resources"].values():
        assert anon.get(url).status_code == 401, url


def test_it_shows_members_and_outsiders_the_same_page_without_project_data(work, client_for, anon) -> None:
    """Anonymous clients may read it: it names routes, never a project, article or user."""
    answers = {name: client_for(name).get("/api/v1/").json() for name in ("alice", "max", "charlie")}
    answers["anonymous"] = anon.get("/api/v1/").json()
    assert len({repr(a) for a in answers.values()}) == 1
    text = repr(answers["anonymous"])
    for secret in ("test", "Lavrov", "alice", "Test project"):
        assert secret not in text.replace("testserver", ""), secret


def test_it_refuses_a_token_that_is_not_valid(anon) -> None:
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon.get("/api/v1/").status_code == 401
