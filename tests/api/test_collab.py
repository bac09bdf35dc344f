"""Comments and notifications through the API: threads under the blind rule, mentions, marking read."""

from __future__ import annotations

import pytest

from annotations.models import Comment, Notification
from annotations.services import collab

pytestmark = pytest.mark.django_db


def test_it_posts_a_comment_and_rita_reads_her_notification(client_for, claim, rita):
    response = client_for("alice").post("/api/v1/comments/", {"claim": claim.pk, "body": "@rita source ?"}, format="json")
    assert response.status_code == 201
    assert response.json()["mentions"] == ["rita"] and response.json()["author"] == "alice"
    rita_api = client_for("rita")
    notes = rita_api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [(n["kind"], n["claim"]) for n in notes] == [("mention", claim.pk)]
    assert notes[0]["url"] == f"/articles/{claim.article_id}/?claim={claim.pk}"
    read = rita_api.post(f"/api/v1/notifications/{notes[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert rita_api.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_a_bad_mention_is_a_400_naming_the_body_and_nothing_is_made(client_for, claim):
    response = client_for("alice").post("/api/v1/comments/", {"claim": claim.pk, "body": "@charlie ?"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["@charlie is not a member of this project who can read comments."]}
    assert not Comment.objects.exists()


def test_a_thread_needs_one_target(client_for, claim):
    assert client_for("alice").get("/api/v1/comments/").status_code == 400
    assert client_for("alice").get(f"/api/v1/comments/?claim={claim.pk}&question=1").status_code == 400
    both = client_for("alice").post("/api/v1/comments/", {"body": "x"}, format="json")
    assert both.status_code == 400


def test_blind_threads_through_the_api(client_for, project, claim, alice, rita):
    assert project.blind
    collab.comment_create(by=alice, claim=claim, body="alice only")
    collab.comment_create(by=rita, claim=claim, body="rita for all")
    bobs = client_for("bob").get(f"/api/v1/comments/?claim={claim.pk}").json()
    assert [c["body"] for c in bobs] == ["rita for all"]
    hidden = Comment.objects.get(author=alice)
    assert client_for("bob").get(f"/api/v1/comments/{hidden.pk}/").status_code == 404
    assert len(client_for("rita").get(f"/api/v1/comments/?claim={claim.pk}").json()) == 2


def test_read_all_counts_what_was_unread(client_for, claim, alice, rita):
    collab.comment_create(by=alice, claim=claim, body="@rita un")
    collab.comment_create(by=alice, claim=claim, body="@rita deux")
    assert client_for("rita").post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert not Notification.objects.filter(read_at__isnull=True).exists()
