"""Comments with mentions, their blindness, and notifications emitted where the events happen."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.access import NotFound
from annotations.models import (
    CheckQuestion,
    Comment,
    DatasetRelease,
    Job,
    JobKind,
    Membership,
    Notification,
    NotificationKind,
)
from annotations.selectors.collab import (
    claim_thread_for_user,
    notification_text,
    notifications_for,
    notifications_unread_count,
    question_thread_for_user,
)
from annotations.services import collab
from annotations.services.adjudication import claim_adjudicate
from annotations.services.jobs import job_create, job_run
from annotations.services.work import annotation_save

pytestmark = pytest.mark.django_db


def kinds(user) -> list[tuple[str, int | None]]:
    return [(n.kind, n.claim_id) for n in Notification.objects.filter(user=user)]


def test_it_reads_mentions_once_each_without_the_full_stop():
    assert collab.mentioned_usernames("@bob, ask @rita. Then @bob again; mail a@b.c") == ["bob", "rita"]


def test_it_posts_a_comment_and_notifies_those_mentioned_but_not_the_author(alice, rita, max_, claim):
    comment = collab.comment_create(by=alice, claim=claim, body="  @rita @max @alice is this Lavrov?  ")
    assert comment.body == "@rita @max @alice is this Lavrov?"
    assert {u.username for u in comment.mentions.all()} == {"rita", "max", "alice"}
    assert kinds(rita) == [(NotificationKind.MENTION, claim.pk)]
    assert kinds(max_) == [(NotificationKind.MENTION, claim.pk)]
    assert kinds(alice) == []
    # In the history: the comment, then its mentions (simple-history records the m2m as a change).
    assert sorted(h.history_type for h in comment.history.all()) == ["+", "~"]


@pytest.mark.parametrize(("body", "message"), [
    ("   ", "Write a comment first."),
    ("ask @charlie", "@charlie is not a member of this project who can read comments."),
    ("ask @rhea", "@rhea is not a member of this project who can read comments."),  # researchers get releases
    ("ask @nobody", "@nobody is not a member of this project who can read comments."),
])
def test_it_refuses_bad_comments_naming_the_problem_and_changes_nothing(alice, users, claim, body, message):
    with pytest.raises(ValidationError) as info:
        collab.comment_create(by=alice, claim=claim, body=body)
    assert info.value.message_dict["body"] == [message]
    assert not Comment.objects.exists() and not Notification.objects.exists()


def test_it_refuses_outsiders_and_researchers(charlie, rhea, claim):
    with pytest.raises(NotFound):
        collab.comment_create(by=charlie, claim=claim, body="hello")
    with pytest.raises(PermissionDenied):
        collab.comment_create(by=rhea, claim=claim, body="hello")
    with pytest.raises(NotFound):
        claim_thread_for_user(charlie, claim.pk)
    with pytest.raises(PermissionDenied):
        claim_thread_for_user(rhea, claim.pk)


def test_it_lets_only_the_author_or_a_reviewer_delete(alice, bob, rita, claim):
    comment = collab.comment_create(by=alice, claim=claim, body="first")
    with pytest.raises(PermissionDenied):
        collab.comment_delete(comment=comment, by=bob)
    collab.comment_delete(comment=comment, by=rita)
    assert not Comment.objects.exists()
    assert Comment.history.filter(history_type="-").count() == 1


def test_it_threads_questions_too(alice, rita, project):
    question = CheckQuestion.objects.create(project=project, text="La Russie a-t-elle cédé ?")
    collab.comment_create(by=alice, question=question, body="@rita reformuler ?")
    thread = question_thread_for_user(rita, question.pk)
    assert [c.body for c in thread.comments] == ["@rita reformuler ?"]
    note = Notification.objects.get(user=rita)
    assert note.question_id == question.pk
    assert "question" in notification_text(note)


# --- blindness ------------------------------------------------------------------------------------


@pytest.fixture
def blind(project):
    project.blind = True
    project.save(update_fields=["blind"])
    return project


def test_blind_annotators_see_their_own_and_reviewers_comments_until_adjudicated(
    blind, alice, bob, rita, claim, verdicts
):
    collab.comment_create(by=alice, claim=claim, body="alice thinks so")
    collab.comment_create(by=rita, claim=claim, body="rita: check the source")
    assert [c.body for c in claim_thread_for_user(bob, claim.pk).comments] == ["rita: check the source"]
    assert claim_thread_for_user(bob, claim.pk).blind
    assert len(claim_thread_for_user(rita, claim.pk).comments) == 2
    assert len(claim_thread_for_user(alice, claim.pk).comments) == 2
    claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"])
    assert len(claim_thread_for_user(bob, claim.pk).comments) == 2
    assert not claim_thread_for_user(bob, claim.pk).blind


def test_blind_annotators_cannot_mention_an_annotator_who_would_not_see_it(blind, alice, bob, claim):
    with pytest.raises(ValidationError) as info:
        collab.comment_create(by=alice, claim=claim, body="@bob what did you say?")
    assert "@bob cannot read your comment" in info.value.message_dict["body"][0]
    assert not Comment.objects.exists()
    # The mention list offers reviewers only.
    assert [name for name, _ in claim_thread_for_user(alice, claim.pk).members] == ["max", "rita"]


def test_blind_reviewers_may_mention_annotators(blind, bob, rita, claim):
    collab.comment_create(by=rita, claim=claim, body="@bob see the evidence")
    assert kinds(bob) == [(NotificationKind.MENTION, claim.pk)]


# --- notifications from the events ----------------------------------------------------------------


def test_it_tells_annotators_their_claim_was_adjudicated(alice, bob, rita, claim, verdicts):
    annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"])
    assert kinds(alice) == [(NotificationKind.ADJUDICATED, claim.pk)]
    assert kinds(bob) == [] and kinds(rita) == []


def test_it_tells_reviewers_once_when_annotators_start_to_disagree(alice, bob, rita, max_, claim, verdicts):
    annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert not Notification.objects.exists()
    annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    assert kinds(rita) == [(NotificationKind.DISAGREEMENT, claim.pk)]
    assert kinds(max_) == [(NotificationKind.DISAGREEMENT, claim.pk)]
    assert kinds(alice) == [] and kinds(bob) == []
    # Still a disagreement after another change: nobody is told twice.
    mine = claim.annotations.get(annotator=alice)
    annotation_save(claim=claim, annotator=alice, verdict=verdicts["misleading"] if "misleading" in verdicts
                    else list(verdicts.values())[-1], version=mine.version)
    assert Notification.objects.filter(kind=NotificationKind.DISAGREEMENT).count() == 2


def test_it_tells_who_started_a_job_that_it_finished(max_, project):
    job = job_create(project=project, kind=JobKind.AGREEMENT, by=max_)
    job_run(job.pk, lambda job, progress: {"ok": True})
    note = Notification.objects.get(user=max_)
    assert note.kind == NotificationKind.JOB_FINISHED and note.job_id == job.pk
    assert "finished" in notification_text(note)


def test_it_tells_a_failed_job_with_its_error(max_, project):
    from annotations.services.jobs import UserFacingError

    def work(job, progress):
        raise UserFacingError("No claims to export.")

    job = job_create(project=project, kind=JobKind.AGREEMENT, by=max_)
    job_run(job.pk, work)
    note = Notification.objects.get(user=max_)
    assert "No claims to export." in notification_text(note)


def test_it_tells_release_readers_a_release_is_ready(max_, rita, rhea, alice, project):
    def work(job: Job, progress) -> dict:
        DatasetRelease.objects.create(project=project, version="v1", job=job)
        return {}

    job = job_create(project=project, kind=JobKind.EXPORT, by=max_)
    job_run(job.pk, work)
    assert kinds(max_) == [(NotificationKind.JOB_FINISHED, None)]
    assert [n.kind for n in Notification.objects.filter(user=rhea)] == [NotificationKind.RELEASE_READY]
    assert [n.kind for n in Notification.objects.filter(user=rita)] == [NotificationKind.RELEASE_READY]
    assert kinds(alice) == []


# --- reading and marking --------------------------------------------------------------------------


def test_it_marks_one_and_all_read(alice, rita, max_, claim):
    collab.comment_create(by=alice, claim=claim, body="@rita one")
    collab.comment_create(by=alice, claim=claim, body="@rita two")
    assert notifications_unread_count(rita) == 2
    first = notifications_for(rita)[0]
    with pytest.raises(PermissionDenied):
        collab.notification_mark_read(notification=first, by=max_)
    collab.notification_mark_read(notification=first, by=rita)
    assert notifications_unread_count(rita) == 1
    assert collab.notifications_mark_all_read(by=rita) == 1
    assert notifications_unread_count(rita) == 0
    assert len(notifications_for(rita)) == 2


def test_it_hides_notifications_of_projects_the_user_left(alice, rita, project, claim):
    collab.comment_create(by=alice, claim=claim, body="@rita look")
    Membership.objects.filter(user=rita, project=project).delete()
    assert notifications_for(rita) == [] and notifications_unread_count(rita) == 0


# --- e-mail ---------------------------------------------------------------------------------------


def test_it_emails_notifications_after_commit_when_enabled(
    settings, alice, rita, max_, claim, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rita.email = "rita@example.org"
    rita.save()  # max has no address: skipped
    with django_capture_on_commit_callbacks(execute=True):
        collab.comment_create(by=alice, claim=claim, body="@rita @max please look")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.org"]
    assert "alice mentioned you" in message.body
    assert f"/articles/{claim.article_id}/?claim={claim.pk}" in message.body


def test_it_sends_no_email_when_disabled(settings, alice, rita, claim, django_capture_on_commit_callbacks):
    settings.NOTIFY_BY_EMAIL = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rita.email = "rita@example.org"
    rita.save()
    with django_capture_on_commit_callbacks(execute=True):
        collab.comment_create(by=alice, claim=claim, body="@rita please look")
    assert mail.outbox == []
    assert Notification.objects.filter(user=rita).count() == 1
