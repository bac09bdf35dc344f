"""List pages cost the same queries however many rows the project has, and stop counting at a cap:
the project page (its article list, its figures and the queue's), the review queue, the home page
and the API's article and claim lists, on page 1 and on a deep page."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Adjudication, AdjudicationMethod, Annotation, Article, Claim, Project
from annotations.selectors import counting, review
from annotations.selectors.counting import BoundedPaginator, Tally, bounded_count, tally
from annotations.selectors.progress import project_languages

pytestmark = pytest.mark.django_db

CAP = 4  # COUNT_CAP for these tests, so a few dozen rows go past it (the review tabs keep theirs)


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "COUNT_CAP", CAP)


def grow(project: Project, make_articles, users: dict, verdicts: dict, n: int) -> None:
    """`n` more articles of two claims; of every 12 claims, 6 judged twice, 3 of them disagreeing,
    and 2 adjudicated."""
    k = Claim.objects.filter(article__project=project).count()
    for article in make_articles(project, n, claims=2):
        for claim in Claim.objects.filter(article=article).order_by("start"):
            k += 1
            if k % 2:
                continue
            Annotation.objects.create(claim=claim, annotator=users["alice"], verdict=verdicts["supported"])
            second = verdicts["refuted"] if k % 4 == 0 else verdicts["supported"]
            Annotation.objects.create(claim=claim, annotator=users["bob"], verdict=second)
            if k % 6 == 0:
                Adjudication.objects.create(claim=claim, verdict=second, adjudicator=users["rita"],
                                            method=AdjudicationMethod.ADJUDICATED)


def queries(client, url: str) -> int:
    client.get(url)  # what is cached per process (content types, translations) is not counted
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


PAGE_1 = [
    ("alice", "ui:project", ""),
    ("max", "ui:project", ""),
    ("rita", "ui:review_queue", ""),
    ("rita", "ui:review_queue", "?filter=all"),
    ("rita", "ui:review_queue", "?filter=pending"),
    ("alice", "ui:home", ""),
    ("max", "api:articles", "&page_size=10"),
    ("max", "api:claims", "&page_size=10"),
    ("alice", "api:claims", "&page_size=10"),
]


def _url(name: str, extra: str) -> str:
    if name.startswith("api:"):
        return f"/api/v1/{name[4:]}/?project=test{extra}"
    if name == "ui:home":
        return reverse(name)
    return reverse(name, args=["test"]) + extra


@pytest.mark.parametrize(("who", "name", "extra"), PAGE_1)
def test_page_1_costs_the_same_queries_below_and_far_past_the_cap(
    who, name, extra, small_caps, project, make_articles, users, verdicts, client_for
) -> None:
    client = client_for(users[who])
    grow(project, make_articles, users, verdicts, 2)  # a claim in each review tab
    few = queries(client, _url(name, extra))
    grow(project, make_articles, users, verdicts, 60)
    assert Claim.objects.filter(article__project=project).count() > review.TAB_COUNT_CAP
    # Past the cap the share fully judged is not counted at all: one query fewer, never more.
    assert queries(client, _url(name, extra)) <= few


def sqlite_steps(client, url: str) -> int:
    """The SQLite virtual machine's instructions (in tens) that serving `url` runs: the work
    the database does, which grows with the rows it reads. Planned with statistics, as after an
    import (services/statistics.py): without them SQLite sorts a project's claims for a page."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client.get(url)
    raw = connection.connection
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    raw.set_progress_handler(tick, 10)
    try:
        assert client.get(url).status_code == 200
    finally:
        raw.set_progress_handler(None, 10)
    return steps[0]


BOUNDED = [
    ("alice", "ui:project", ""),
    ("max", "ui:project", ""),
    # Sorted by title or date, page 1 is read from an index (project, key, id), not a sort.
    ("max", "ui:project", "?sort=title"),
    ("max", "ui:project", "?sort=-published"),
    ("alice", "ui:home", ""),
    *[("rita", "ui:review_queue", f"?filter={tab}") for tab in review.REVIEW_FILTERS],
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's instructions")
@pytest.mark.parametrize(("who", "name", "extra"), BOUNDED)
def test_past_the_caps_a_page_reads_no_more_rows_when_the_project_triples(
    who, name, extra, small_caps, monkeypatch, project, make_articles, users, verdicts, client_for
) -> None:
    """Every figure stops at its cap, so the database's work for page 1 does not follow the
    project's size (a plain COUNT of the articles or claims would triple it)."""
    monkeypatch.setattr(review, "TAB_COUNT_CAP", CAP)
    monkeypatch.setattr(review, "PER_PAGE", CAP)  # a full page 1 in every tab, at both sizes
    client = client_for(users[who])
    grow(project, make_articles, users, verdicts, 40)
    some = sqlite_steps(client, _url(name, extra))
    grow(project, make_articles, users, verdicts, 80)
    more = sqlite_steps(client, _url(name, extra))
    assert more <= some * 1.1, (some, more)


DEEP = [
    ("alice", "ui:project", "?page=3"),
    ("rita", "ui:review_queue", "?filter=all&page=3"),
]


@pytest.mark.parametrize(("who", "name", "extra"), DEEP)
def test_a_deep_page_costs_the_same_queries_however_long_the_list(
    who, name, extra, small_caps, project, make_articles, users, verdicts, client_for
) -> None:
    client = client_for(users[who])
    grow(project, make_articles, users, verdicts, 60)
    some = queries(client, _url(name, extra))
    grow(project, make_articles, users, verdicts, 60)
    assert queries(client, _url(name, extra)) == some


def test_api_pages_followed_by_next_cost_the_same(small_caps, project, make_articles, users, verdicts, client_for):
    client = client_for(users["max"])
    grow(project, make_articles, users, verdicts, 30)
    for kind in ("articles", "claims"):
        url = f"/api/v1/{kind}/?project=test&page_size=10"
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                page = client.get(url).json()
            counts.append(len(ctx.captured_queries))
            url = page["next"]
        assert counts[1] == counts[2] <= counts[0], (kind, counts)


def test_figures_past_the_cap_read_n_plus(small_caps, project, make_articles, users, verdicts, client_for):
    grow(project, make_articles, users, verdicts, 60)
    html = client_for(users["alice"]).get(reverse("ui:project", args=["test"])).content.decode()
    assert "4+ articles" in html
    assert "4+ accepted claims" in html and "fully judged" not in html  # no share past the cap
    assert "4+ claims waiting for you" in html
    assert re.search(r"Page 1 of \d+\+", html)
    home = client_for(users["alice"]).get(reverse("ui:home")).content.decode()
    assert "4+ articles" in home and "4+ accepted claims" in home
    queue = client_for(users["rita"]).get(reverse("ui:review_queue", args=["test"]) + "?filter=all")
    assert queue.context["queue"].tab_counts["all"] == review.TAB_COUNT_CAP
    assert queue.context["queue"].tab_counts["all"].more
    assert f'<span class="count">{review.TAB_COUNT_CAP}+</span>' in queue.content.decode()


def test_managers_have_the_exact_figures_on_the_progress_page(
    small_caps, project, make_articles, users, verdicts, client_for
):
    grow(project, make_articles, users, verdicts, 60)
    judged = sum(
        1 for c in Claim.objects.filter(article__project=project) if c.annotations.exclude(verdict=None).count() >= 2
    )
    assert judged > CAP
    page = client_for(users["max"]).get(reverse("ui:project", args=["test"])).content.decode()
    assert 'id="exact-progress"' in page and reverse("ui:progress", args=["test"]) in page
    assert 'id="exact-progress"' not in client_for(users["alice"]).get(reverse("ui:project", args=["test"])).content.decode()
    progress = client_for(users["max"]).get(reverse("ui:progress", args=["test"]))
    html = progress.content.decode()
    assert f"{judged} of 120 claims fully judged" in html and "60 articles" in html
    assert client_for(users["alice"]).get(reverse("ui:progress", args=["test"])).status_code in (403, 404)


def test_figures_under_the_cap_are_exact(project, make_articles, users, verdicts, client_for):
    grow(project, make_articles, users, verdicts, 2)
    judged = sum(
        1 for c in Claim.objects.filter(article__project=project) if c.annotations.exclude(verdict=None).count() >= 2
    )
    html = client_for(users["alice"]).get(reverse("ui:project", args=["test"])).content.decode()
    assert "2 articles" in html and f"{judged} of 4 claims fully judged" in html
    pager = re.search(r"Page 1 of [^<]*", html)
    assert pager is None or "+" not in pager.group(0)


def test_deep_pages_and_past_the_end(small_caps, project, make_articles, users, verdicts, client_for):
    grow(project, make_articles, users, verdicts, 60)
    client = client_for(users["alice"])
    page = client.get(reverse("ui:project", args=["test"]) + "?page=3").context["articles"]
    assert [a.title for a in page] == [f"Article {i}" for i in range(50, 60)]
    assert page.number == 3 and not page.has_next() and page.paginator.num_pages == 3
    assert [a.n_accepted for a in page] == [2] * 10  # the rows keep their annotations
    last = client.get(reverse("ui:project", args=["test"]) + "?page=999").context["articles"]
    assert last.number == 3 and [a.pk for a in last] == [a.pk for a in page]
    review_page = client_for(users["rita"]).get(reverse("ui:review_queue", args=["test"]) + "?filter=all&page=3")
    rows = review_page.context["queue"].rows
    ordered = list(Claim.objects.filter(article__project=project).order_by("article_id", "start", "end", "pk"))
    assert [r.claim.pk for r in rows] == [c.pk for c in ordered[100:120]]
    assert [r.n_verdicts for r in rows] == [c.annotations.exclude(verdict=None).count() for c in ordered[100:120]]


def test_the_review_tabs_match_the_claims_verdicts(project, make_articles, users, verdicts, client_for):
    grow(project, make_articles, users, verdicts, 6)
    claims = list(Claim.objects.filter(article__project=project))
    given = {c.pk: {a.verdict_id for a in c.annotations.exclude(verdict=None)} for c in claims}
    decided = set(Adjudication.objects.values_list("claim_id", flat=True))
    expected = {
        "disagreements": sum(1 for c in claims if len(given[c.pk]) > 1 and c.pk not in decided),
        "pending": sum(1 for c in claims if given[c.pk] and c.pk not in decided),
        "adjudicated": len(decided),
        "all": len(claims),
    }
    assert expected["disagreements"] > 0 and expected["adjudicated"] > 0
    response = client_for(users["rita"]).get(reverse("ui:review_queue", args=["test"]))
    assert response.context["queue"].tab_counts == expected


def test_project_languages_are_distinct_sorted_and_skip_the_empty_one(project, make_articles):
    for code in ("fr", "en", "", "fr", "de"):
        (article,) = make_articles(project, 1)
        Article.objects.filter(pk=article.pk).update(language=code)
    other = Project.objects.create(name="Other", slug="other", scheme=project.scheme)
    make_articles(other, 1)
    Article.objects.filter(project=other).update(language="it")
    assert project_languages(project) == ["de", "en", "fr"]
    assert project_languages(other) == ["it"]


def test_tally_is_an_int_that_prints_a_plus_past_the_cap(project, make_articles) -> None:
    assert tally(5, cap=4) == 4 and tally(5, cap=4).more and str(tally(5, cap=4)) == "4+"
    assert tally(4, cap=4) == 4 and not tally(4, cap=4).more and str(tally(4, cap=4)) == "4"
    assert Tally(3) + 1 == 4 and Tally(2, more=True) > 1
    make_articles(project, 6)
    assert bounded_count(Article.objects.all(), cap=4) == Tally(4, more=True)
    assert str(bounded_count(Article.objects.all(), cap=10)) == "6"
    paginator = BoundedPaginator(Article.objects.order_by("pk"), 2, cap=3)
    page = paginator.get_page(1)
    assert len(page) == 2 and str(paginator.num_pages) == "2+"
    paginator = BoundedPaginator(Article.objects.order_by("pk"), 2, cap=3)
    assert paginator.get_page(3).number == 3 and str(paginator.num_pages) == "3"


def test_a_page_number_past_the_cap_reads_its_rows_and_counts_past_them_in_one_offset(project, make_articles) -> None:
    """Page N by number alone: one OFFSET gives its ids and up to `cap` ids after them (the
    count), then its rows by id; no separate count skipping the same rows again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = make_articles(project, 23)
    ids = sorted(a.pk for a in made)
    for number, rows, count, more, has_next in (
        (3, ids[4:6], 4 + 2 + 3, True, True),  # 4 rows before, 2 on the page, the cap (3) after: "9+"
        (5, ids[8:10], 8 + 2 + 3, True, True),
        (10, ids[18:20], 23, False, True),  # near the end the count is exact
        (12, ids[22:23], 23, False, False),  # the last page, short
    ):
        paginator = BoundedPaginator(Article.objects.order_by("pk"), 2, cap=3)
        with CaptureQueriesContext(connection) as ctx:
            page = paginator.get_page(number)
            got = [a.pk for a in page]
        assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]
        assert "OFFSET" in ctx.captured_queries[0]["sql"] and got == rows and page.number == number
        assert int(paginator.count) == count and paginator.count.more is more and page.has_next() is has_next
    # Past the end: the count finds the last page, as before.
    page = BoundedPaginator(Article.objects.order_by("pk"), 2, cap=3).get_page(40)
    assert page.number == 12 and [a.pk for a in page] == ids[22:23]


def _link(html: str, hotkey: str) -> str | None:
    """The href of the pager's link with this hotkey ("]" next, "[" previous), unescaped."""
    found = re.search(r'href="([^"]+)"[^>]*data-hotkey="' + re.escape(hotkey) + '"', html)
    return htmllib.unescape(found.group(1)) if found else None


def _walk(client, url: str, rows_of) -> tuple[list[list], list[list], list[str]]:
    """Pages seen following Next to the end, then Previous back to the start, and the URLs."""
    forward, urls = [], []
    while url:
        response = client.get(url)
        forward.append(rows_of(response))
        urls.append(url)
        nxt = _link(response.content.decode(), "]")
        url = (url.split("?")[0] + nxt) if nxt and nxt.startswith("?") else nxt
    backward = [forward[-1]]
    url = urls[-1]
    while True:
        prev = _link(client.get(url).content.decode(), "[")
        if not prev:
            break
        url = (url.split("?")[0] + prev) if prev.startswith("?") else prev
        backward.append(rows_of(client.get(url)))
    return forward, backward[::-1], urls


def test_next_and_previous_links_walk_the_article_list_by_key(
    small_caps, project, make_articles, users, verdicts, client_for
):
    grow(project, make_articles, users, verdicts, 60)
    client = client_for(users["alice"])
    forward, backward, urls = _walk(
        client, reverse("ui:project", args=["test"]), lambda r: [a.pk for a in r.context["articles"]]
    )
    ids = list(Article.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    assert [pk for page in forward for pk in page] == ids and len(forward) == 3
    assert backward == forward  # Previous comes back through the same pages
    assert all("after=" in u for u in urls[1:]) and "page=3" in urls[2]
    last = client.get(urls[2]).context["articles"]
    assert last.number == 3 and not last.has_next() and last.paginator.num_pages == 3


def test_next_and_previous_links_walk_the_review_queue_by_key(
    small_caps, project, make_articles, users, verdicts, client_for
):
    grow(project, make_articles, users, verdicts, 60)
    client = client_for(users["rita"])
    forward, backward, urls = _walk(
        client, reverse("ui:review_queue", args=["test"]) + "?filter=all",
        lambda r: [row.claim.pk for row in r.context["queue"].rows],
    )
    ordered = list(Claim.objects.filter(article__project=project).order_by("article_id", "start", "end", "pk"))
    assert [pk for page in forward for pk in page] == [c.pk for c in ordered] and len(forward) == 3
    assert backward == forward
    assert all("after=" in u and "filter=all" in u for u in urls[1:])
    rows = client.get(urls[2]).context["queue"].rows
    assert [r.n_verdicts for r in rows] == [c.annotations.exclude(verdict=None).count() for c in ordered[100:]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's instructions")
def test_a_page_reached_by_key_reads_as_little_deep_as_near(
    small_caps, project, make_articles, users, verdicts, client_for
):
    """Page 2 and page 12 by key do the same work (an OFFSET would read the 275 rows before)."""
    grow(project, make_articles, users, verdicts, 300)
    client = client_for(users["alice"])
    ids = list(Article.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    base = reverse("ui:project", args=["test"])
    near = sqlite_steps(client, f"{base}?page=2&after={ids[24]}")
    deep = sqlite_steps(client, f"{base}?page=12&after={ids[274]}")
    offset = sqlite_steps(client, f"{base}?page=12")
    assert deep <= near * 1.1 < offset, (near, deep, offset)
    page = client.get(f"{base}?page=12&after={ids[274]}").context["articles"]
    assert [a.pk for a in page] == ids[275:300] and page.number == 12


@pytest.mark.parametrize("key", ["x", "1-2", "", "99999999", "-5", "1" * 30])
def test_a_bad_or_stale_key_shows_a_page_never_an_error(key, project, make_articles, client_for, users):
    make_articles(project, 30)
    client = client_for(users["alice"])
    for param in ("after", "before"):
        response = client.get(reverse("ui:project", args=["test"]) + f"?page=2&{param}={key}")
        assert response.status_code == 200
        assert len(response.context["articles"]) in (25, 5)
    response = client_for(users["rita"]).get(reverse("ui:review_queue", args=["test"]) + f"?filter=all&after={key}")
    assert response.status_code == 200


def test_a_sorted_list_pages_by_number(project, make_articles, client_for, users):
    make_articles(project, 30)
    response = client_for(users["alice"]).get(reverse("ui:project", args=["test"]) + "?sort=-title")
    nxt = _link(response.content.decode(), "]")
    assert nxt is not None and "page=2" in nxt and "after" not in nxt and "sort=-title" in nxt


@pytest.mark.parametrize("sort", ["title", "-title", "published", "-published"])
def test_a_sorted_list_with_ties_shows_every_article_once(sort, project, make_articles, client_for, users):
    """Articles sharing the sort key keep one order (id, the way the key runs), so paging by
    number neither repeats nor skips one of them."""
    made = make_articles(project, 30, title="Même titre")  # one title, no date: all tied
    client = client_for(users["alice"])
    base = reverse("ui:project", args=["test"]) + f"?sort={sort}"
    responses = [client.get(f"{base}&page={n}") for n in (1, 2)]
    pages = [[a.pk for a in r.context["articles"]] for r in responses]
    ids = sorted(a.pk for a in made)
    assert pages[0] + pages[1] == (ids[::-1] if sort.startswith("-") else ids)
    # Asked of the database, not left to how it happens to return ties.
    order = responses[0].context["articles"].paginator.object_list.query.order_by
    assert order[-1] == ("-pk" if sort.startswith("-") else "pk")


@pytest.mark.parametrize(("who", "name"), [("alice", "ui:project"), ("rita", "ui:review_queue")])
def test_the_lists_never_read_article_bodies(who, name, project, make_articles, users, verdicts, client_for):
    """Titles only: fifty bodies of a real corpus are megabytes read for nothing."""
    grow(project, make_articles, users, verdicts, 3)
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(users[who]).get(_url(name, "?filter=all" if name == "ui:review_queue" else ""))
    assert response.status_code == 200 and "Article 0" in response.content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if '"annotations_article"."body"' in q["sql"]]
