"""Comment threads on the claim panel and the question page, the bell and the notifications page.

Each URL: anonymous users are sent to the login page, outsiders get 404, researchers 403 (comments),
members get the page; POSTs need the CSRF token; bad input gets its message and changes nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import CheckQuestion, Comment, Notification, NotificationKind
from annotations.services import collab

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("c")</script>'


@pytest.fixture
def question(project, alice) -> CheckQuestion:
    return CheckQuestion.objects.create(project=project, text="La Russie a-t-elle cédé ?", created_by=alice)


def thread_urls(claim, question) -> list[str]:
    return [reverse("ui:claim_comments", args=[claim.pk]), reverse("ui:question_comments", args=[question.pk])]


@pytest.mark.parametrize("which", [0, 1])
def test_threads_refuse_anonymous_outsiders_and_researchers(client, client_for, charlie, rhea, claim, question, which):
    url = thread_urls(claim, question)[which]
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))
    assert client.post(url, {"body": "hi"}).status_code == 302
    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).post(url, {"body": "hi"}).status_code == 404
    assert client_for(rhea).get(url).status_code == 403
    assert client_for(rhea).post(url, {"body": "hi"}).status_code == 403
    assert not Comment.objects.exists()


def test_the_panel_and_the_question_page_load_their_thread(client_for, alice, rhea, claim, question):
    panel = client_for(alice).get(reverse("ui:claim_panel", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("ui:claim_comments", args=[claim.pk]) in panel
    page = client_for(alice).get(reverse("ui:question", args=[question.pk])).content.decode()
    assert reverse("ui:question_comments", args=[question.pk]) in page
    # Researchers are not offered a thread they may not read.
    article = client_for(rhea).get(reverse("ui:article", args=[claim.article_id]) + f"?claim={claim.pk}")
    assert reverse("ui:claim_comments", args=[claim.pk]) not in article.content.decode()


def test_it_posts_with_htmx_and_shows_the_mention(client_for, alice, rita, claim):
    url = reverse("ui:claim_comments", args=[claim.pk])
    response = client_for(alice).post(url, {"body": f"@rita regarde {HOSTILE}"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="mention">@rita</strong>' in html
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert Notification.objects.get(user=rita).kind == NotificationKind.MENTION


def test_it_posts_without_htmx_and_redirects_to_the_thread(client_for, alice, claim):
    url = reverse("ui:claim_comments", args=[claim.pk])
    response = client_for(alice).post(url, {"body": "sans htmx"})
    assert response.status_code == 302 and response["Location"] == url
    page = client_for(alice).get(url)
    assert "sans htmx" in page.content.decode() and "<html" in page.content.decode()


def test_a_bad_mention_is_explained_and_the_text_kept(client_for, alice, claim):
    url = reverse("ui:claim_comments", args=[claim.pk])
    response = client_for(alice).post(url, {"body": "@charlie ?"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "@charlie is not a member of this project who can read comments." in html
    assert "@charlie ?</textarea>" in html
    assert not Comment.objects.exists()


def test_posting_needs_the_csrf_token(alice, claim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(reverse("ui:claim_comments", args=[claim.pk]), {"body": "x"}).status_code == 403
    assert not Comment.objects.exists()


def test_blind_threads_hide_other_annotators_comments(client_for, project, alice, bob, claim):
    project.blind = True
    project.save(update_fields=["blind"])
    collab.comment_create(by=alice, claim=claim, body="alice secret reading")
    html = client_for(bob).get(reverse("ui:claim_comments", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "alice secret reading" not in html and 'id="comments-blind"' in html


def test_delete_is_for_the_author_and_reviewers(client_for, project, alice, bob, rita, charlie, claim):
    project.blind = False  # bob sees alice's comment, but may not delete it
    project.save(update_fields=["blind"])
    comment = collab.comment_create(by=alice, claim=claim, body="à supprimer")
    url = reverse("ui:comment_delete", args=[comment.pk])
    assert client_for(charlie).post(url).status_code == 404
    assert client_for(bob).post(url).status_code == 403
    assert Comment.objects.exists()
    assert client_for(alice).post(url).status_code == 302
    assert not Comment.objects.exists()


# --- notifications ------------------------------------------------------------------------------


def test_notification_pages_refuse_anonymous(client, rita, claim):
    for url in (reverse("ui:notifications"), reverse("ui:notifications_bell")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))
    assert client.post(reverse("ui:notifications_read_all")).status_code == 302


def test_the_bell_counts_and_the_page_lists_and_marks_read(client_for, alice, rita, claim):
    collab.comment_create(by=alice, claim=claim, body="@rita un")
    collab.comment_create(by=alice, claim=claim, body="@rita deux")
    rita_client = client_for(rita)
    bell = rita_client.get(reverse("ui:notifications_bell")).content.decode()
    assert '<span class="bell-count" id="bell-count">2</span>' in bell
    page = rita_client.get(reverse("ui:notifications")).content.decode()
    assert page.count("alice mentioned you on claim") == 2
    note = Notification.objects.filter(user=rita).first()
    response = rita_client.post(reverse("ui:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:article", args=[claim.article_id]) + f"?claim={claim.pk}"
    assert Notification.objects.filter(user=rita, read_at__isnull=True).count() == 1
    rita_client.post(reverse("ui:notifications_read_all"))
    assert not Notification.objects.filter(user=rita, read_at__isnull=True).exists()
    assert 'bell-count' not in rita_client.get(reverse("ui:notifications_bell")).content.decode()


def test_nobody_opens_another_users_notification(client_for, alice, rita, max_, charlie, claim):
    collab.comment_create(by=alice, claim=claim, body="@rita un")
    note = Notification.objects.get(user=rita)
    for other in (max_, charlie):
        assert client_for(other).post(reverse("ui:notification_open", args=[note.pk])).status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_open_refuses_a_next_to_another_site(client_for, alice, rita, claim):
    collab.comment_create(by=alice, claim=claim, body="@rita un")
    note = Notification.objects.get(user=rita)
    response = client_for(rita).post(reverse("ui:notification_open", args=[note.pk]), {"next": "https://evil.example/"})
    assert response["Location"].startswith("/articles/")


def test_every_page_has_the_bell_slot(client_for, alice, project):
    html = client_for(alice).get(reverse("ui:home")).content.decode()
    assert reverse("ui:notifications_bell") in html


def test_thread_and_notification_queries_do_not_grow_with_their_length(
    client_for, alice, rita, claim, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread_url = reverse("ui:claim_comments", args=[claim.pk])
    rita_client = client_for(rita)
    collab.comment_create(by=alice, claim=claim, body="@rita un")
    rita_client.get(thread_url, HTTP_HX_REQUEST="true")  # the session is warm
    with CaptureQueriesContext(connection) as one_thread:
        rita_client.get(thread_url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as one_list:
        rita_client.get(reverse("ui:notifications"))
    for i in range(10):
        collab.comment_create(by=alice, claim=claim, body=f"@rita @max encore {i}")
    with django_assert_num_queries(len(one_thread.captured_queries)):
        rita_client.get(thread_url, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(len(one_list.captured_queries)):
        rita_client.get(reverse("ui:notifications"))
