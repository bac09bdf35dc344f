"""The home page: the user's projects with their own progress and the project's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Membership, Project, Role, TaskKind
from annotations.services import work
from annotations.services.assignments import assignment_next
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db


def test_members_see_their_projects_with_links_and_progress(project, claim, alice, verdicts, client_for):
    project.task_kind = TaskKind.JUDGING
    project.save()
    a = assignment_next(project=project, by=alice)
    work.annotation_save(claim=a.claim, annotator=alice, verdict=verdicts["supported"])
    html = client_for(alice).get(reverse("ui:home")).content.decode()
    assert f'href="{reverse("ui:project", args=[project.slug])}"' in html
    assert "Test project" in html and '<span class="tag">annotator</span>' in html
    assert "Your work: 1 / 1" in html
    assert "0 of 1 claims fully judged" in html  # overlap 2: one verdict is not enough


def test_outsiders_see_no_project_and_anonymous_visitors_the_login_page(project, charlie, client, client_for):
    html = client_for(charlie).get(reverse("ui:home")).content.decode()
    assert "Test project" not in html and "not a member of any project" in html
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))


def test_the_query_count_does_not_depend_on_the_number_of_projects(
    project, alice, client_for, django_assert_num_queries
):
    client = client_for(alice)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ui:home"))
    for i in range(4):
        other = Project.objects.create(name=f"P{i}", slug=f"p{i}", scheme=default_scheme())
        Membership.objects.create(user=alice, project=other, role=Role.ANNOTATOR)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(reverse("ui:home")).content.decode()
    assert all(f"P{i}" in html for i in range(4))
