"""The project page: what each member sees, refusals, escaping and a bounded query count."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import selectors
from annotations.access import NotFound
from annotations.models import Article, Assignment, Outlet, TaskKind, body_hash
from annotations.services.assignments import assignment_next, assignment_skip
from annotations.services.work import annotation_save
from annotations.ui.markdown import render_markdown

pytestmark = pytest.mark.django_db


@pytest.fixture
def judging(project):
    """The project asking for judging only: the queue hands out claims, not articles."""
    project.task_kind = TaskKind.JUDGING
    project.save()
    return project


def page_url(project, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("ui:project", args=[project.slug]) + (f"?{query}" if query else "")


def test_an_annotator_sees_the_project_their_queue_and_the_articles(
    project, claim, alice, client_for
):
    project.description = "Fact-checking the *Anchorage* summit."
    project.guidelines = "## Check the quote\n\n1. Read the article\n2. Find the source"
    project.save()
    response = client_for(alice).get(page_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Test project" in html and "<em>Anchorage</em>" in html
    assert '<span class="tag">annotator</span>' in html
    assert f'action="{reverse("ui:next", args=[project.slug])}"' in html
    assert 'data-hotkey="n"' in html and "<kbd>n</kbd></dt>" in html  # the button and its help
    assert "<h2>Check the quote</h2>" in html and "<li>Read the article</li>" in html
    assert f'href="{reverse("ui:article", args=[claim.article_id])}"' in html
    assert "Lavrov et Vance" in html
    for area in ("annotate", "review", "manage"):
        assert f"annotations/ui/{area}/_nav.html" in [t.name for t in response.templates]


def test_open_and_skipped_assignments_are_listed_with_links(judging, make_articles, alice, client_for):
    project = judging
    make_articles(project, 1, claims=2)
    first = assignment_next(project=project, by=alice)
    assignment_skip(assignment=first, by=alice)
    second = assignment_next(project=project, by=alice)
    html = client_for(alice).get(page_url(project)).content.decode()
    article_url = reverse("ui:article", args=[first.article_id])
    assert f"{article_url}?claim={first.claim_id}&amp;assignment={first.pk}" in html
    assert f"{article_url}?claim={second.claim_id}&amp;assignment={second.pk}" in html
    assert f'action="{reverse("ui:skip", args=[second.pk])}"' in html
    assert f'action="{reverse("ui:skip", args=[first.pk])}"' not in html  # already skipped
    assert "1 skipped" in html


def test_the_project_is_read_once_and_pending_work_only_when_there_is_some(
    judging, make_articles, alice, client_for
):
    """The overview reads the project with its figures; the queue's status counts come with it,
    and the list of open and skipped work is read only when those counts are not zero."""
    project = judging
    make_articles(project, 1, claims=2)
    client = client_for(alice)

    def visit() -> tuple[str, list[str]]:
        client.get(page_url(project))  # per-process caches (translations, content types) apart
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(page_url(project)).content.decode()
        return html, [q["sql"] for q in ctx.captured_queries]

    html, sql = visit()
    assert len([q for q in sql if q.startswith('SELECT "annotations_project"."id"')]) == 1
    # Both kinds of waiting work (the project asks for judging only here) in one bounded query.
    assert len([q for q in sql if "n_waiting_" in q]) == 1
    assert not [q for q in sql if q.startswith('SELECT "annotations_assignment"."id"')]
    assert "2 claims waiting for you" in html
    first = assignment_next(project=project, by=alice)
    assignment_skip(assignment=first, by=alice)
    second = assignment_next(project=project, by=alice)
    html, sql = visit()
    assert len([q for q in sql if q.startswith('SELECT "annotations_assignment"."id"')]) == 1
    assert f'action="{reverse("ui:skip", args=[second.pk])}"' in html and "1 skipped" in html
    assert "0 of 2 assignments done" in html


def test_the_overview_counts_the_users_assignments_by_status_as_the_queue_does(
    judging, make_articles, alice, bob, verdicts
):
    project = judging
    make_articles(project, 2, claims=2)
    skipped = assignment_next(project=project, by=alice)
    assignment_skip(assignment=skipped, by=alice)
    done = assignment_next(project=project, by=alice)
    annotation_save(claim=done.claim, annotator=alice, verdict=verdicts["supported"])
    assignment_next(project=project, by=alice)  # open
    assignment_next(project=project, by=bob)  # someone else's
    overview = selectors.project_overview(alice, slug=project.slug)
    counts = selectors.queue_counts(alice, project)
    assert (overview.my_open, overview.my_skipped, overview.my_done) == (counts.open, counts.skipped, counts.done)
    assert (counts.open, counts.skipped, counts.done) == (1, 1, 1) and overview.my_assigned == 3
    assert overview.project == project and overview.project.scheme_id == project.scheme_id


def test_the_overview_by_slug_refuses_outsiders_and_unknown_projects_alike(project, charlie):
    for user, slug in ((charlie, project.slug), (AnonymousUser(), project.slug), (charlie, "no-such-project")):
        with pytest.raises(NotFound):
            selectors.project_overview(user, slug=slug)


def test_a_researcher_gets_no_next_button_and_no_suggestion_counts(project, claim, rhea, client_for):
    html = client_for(rhea).get(page_url(project)).content.decode()
    assert reverse("ui:next", args=[project.slug]) not in html
    assert "does not take work from the queue" in html
    assert "Suggested" not in html
    assert "Lavrov et Vance" in html


def test_outsiders_get_404_and_anonymous_visitors_the_login_page(project, charlie, client, client_for):
    url = page_url(project)
    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).get(reverse("ui:project", args=["no-such"])).status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))


def test_the_page_is_get_only(project, alice, client_for):
    assert client_for(alice).post(page_url(project)).status_code == 405


def test_user_text_is_escaped_and_guidelines_are_sanitised(project, alice, client_for):
    evil = '<script>alert(1)</script>" onmouseover="alert(2)'
    Article.objects.create(
        project=project, title=evil, body="Un texte.", body_hash=body_hash("Un texte."),
        outlet=Outlet.objects.create(project=project, name=evil),
    )
    project.name = evil
    project.description = evil
    project.guidelines = (
        "<script>alert(3)</script>\n\n[click](javascript:alert(4)) "
        '<img src="x" onerror="alert(5)"> <a href="https://example.org" onclick="alert(6)">ok</a>'
    )
    project.save()
    html = client_for(alice).get(page_url(project)).content.decode()
    assert "<script>alert" not in html
    # No tag carries an event handler: the quotes of user text never close an attribute.
    assert not re.search(r"<[^>]*\son(mouseover|error|click)=", html)
    assert "&quot; onmouseover=&quot;alert(2)" in html  # the title, shown as text
    assert "javascript:" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_articles_are_paginated(project, make_articles, alice, client_for):
    make_articles(project, 30)
    client = client_for(alice)
    first = client.get(page_url(project)).content.decode()
    assert "Article 0<" in first and "Article 24<" in first and "Article 25<" not in first
    assert re.search(r'href="\?page=2&amp;after=\d+#articles"', first)  # the next page by key
    second = client.get(page_url(project, page=2)).content.decode()
    assert "Article 25<" in second and "Article 29<" in second and "Article 0<" not in second


def test_claim_counts_per_article(project, make_articles, alice, client_for):
    make_articles(project, 1, claims=3, status="candidate", title="Suggestions only")
    make_articles(project, 1, claims=4, title="Four accepted")
    html = client_for(alice).get(page_url(project)).content.decode()
    rows = {
        m.group(1): re.findall(r'<td class="num">(\d+)</td>', m.group(2))
        for m in re.finditer(r">(Suggestions only|Four accepted)</a></td>(.*?)</tr>", html, re.S)
    }
    # accepted, suggested, judged by you
    assert rows == {"Suggestions only": ["0", "3", "0"], "Four accepted": ["4", "0", "0"]}


def test_the_query_count_does_not_depend_on_articles_claims_or_assignments(
    project, make_articles, alice, client_for, django_assert_num_queries
):
    client = client_for(alice)
    make_articles(project, 2, claims=2)
    assignment_next(project=project, by=alice)
    with CaptureQueriesContext(connection) as small:
        assert client.get(page_url(project)).status_code == 200
    make_articles(project, 40, claims=8)
    for _ in range(3):
        a = assignment_next(project=project, by=alice)
        assignment_skip(assignment=a, by=alice)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(page_url(project)).status_code == 200
    assert len(small.captured_queries) <= 18
    assert Assignment.objects.filter(annotator=alice).count() == 3


def test_render_markdown_keeps_structure_and_drops_everything_active():
    html = str(render_markdown(
        "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code` **bold** [mail](mailto:x@example.org)"
        "\n\n<iframe src='https://evil.example'></iframe><style>p{}</style>"
        "<form action='/'><input name=x></form>"
    ))
    assert "<h1>Title</h1>" in html and "<table>" in html and "<code>code</code>" in html
    assert 'href="mailto:x@example.org"' in html
    for tag in ("<iframe", "<style", "<form", "<input"):
        assert tag not in html
    assert str(render_markdown("")) == ""


@pytest.mark.parametrize("name", ["alice", "rita", "max", "rhea"])
def test_every_member_sees_the_page_with_their_roles(project, claim, users, name, client_for):
    response = client_for(users[name]).get(page_url(project))
    assert response.status_code == 200
    role = {"alice": "annotator", "rita": "reviewer", "max": "manager", "rhea": "researcher"}[name]
    assert f'<span class="tag">{role}</span>' in response.content.decode()
