"""Roles are read once a request (annotations.access.roles_memo), and never answered stale: a
membership written during the request is read again; outside a request nothing is remembered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.access import roles_for, roles_memo
from annotations.models import Membership, Role
from annotations.services import projects as project_services

pytestmark = pytest.mark.django_db


def _membership_reads(ctx: CaptureQueriesContext) -> int:
    return sum('FROM "annotations_membership"' in q["sql"] for q in ctx.captured_queries)


def test_within_a_request_the_roles_are_read_once(project, alice):
    with roles_memo(), CaptureQueriesContext(connection) as ctx:
        assert roles_for(alice, project) == {Role.ANNOTATOR}
        assert roles_for(alice, project.pk) == {Role.ANNOTATOR}
    assert _membership_reads(ctx) == 1


def test_outside_a_request_every_call_reads_the_database(project, alice):
    with CaptureQueriesContext(connection) as ctx:
        roles_for(alice, project)
        roles_for(alice, project)
    assert _membership_reads(ctx) == 2


def test_a_membership_written_during_the_request_is_read_again(project, alice, charlie, max_):
    with roles_memo():
        assert roles_for(charlie, project) == frozenset()
        project_services.membership_add(project=project, user=charlie, role=Role.REVIEWER, by=max_)
        assert roles_for(charlie, project) == {Role.REVIEWER}
        project_services.membership_remove(project=project, user=alice, role=Role.ANNOTATOR, by=max_)
        assert roles_for(alice, project) == frozenset()
        Membership.objects.filter(user=charlie, project=project).delete()  # any delete, not only the service's
        assert roles_for(charlie, project) == frozenset()


def test_the_memo_ends_with_its_block(project, alice):
    with roles_memo():
        roles_for(alice, project)
    Membership.objects.filter(user=alice).update(role=Role.REVIEWER)  # no signal: the memo is gone anyway
    assert roles_for(alice, project) == {Role.REVIEWER}


def test_a_page_reads_the_members_roles_once(project, client_for, alice):
    client = client_for(alice)
    url = reverse("ui:project", args=[project.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert _membership_reads(ctx) == 1


def test_requests_do_not_share_roles(project, client_for, alice, max_):
    """A role taken away between two requests is refused on the second."""
    client = client_for(alice)
    url = reverse("ui:project", args=[project.slug])
    assert client.get(url).status_code == 200
    project_services.membership_remove(project=project, user=alice, role=Role.ANNOTATOR, by=max_)
    assert client.get(url).status_code == 404
