"""Lists: filters, ordering, cursor pagination, and a number of queries that does not grow
with the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Adjudication,
    Annotation,
    Article,
    Claim,
    ClaimBatch,
    ClaimRelation,
    Evidence,
    Job,
    Membership,
    Project,
    Role,
    body_hash,
)
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db

LISTS = [
    ("/api/v1/projects/", "alice"),
    ("/api/v1/members/?project=test", "rhea"),
    ("/api/v1/articles/?project=test", "alice"),
    ("/api/v1/claims/?project=test", "alice"),
    ("/api/v1/claims/?project=test&disagreement=true", "rita"),
    ("/api/v1/claim-relations/?project=test", "alice"),
    ("/api/v1/claim-batches/?project=test", "alice"),
    ("/api/v1/annotations/?project=test", "rita"),
    ("/api/v1/annotations/", "bob"),
    ("/api/v1/evidence/?project=test", "rita"),
    ("/api/v1/adjudications/?project=test", "rita"),
    ("/api/v1/jobs/?project=test", "max"),
]
MAX_LIST_QUERIES = 8  # token, project and roles, the page, and at most two prefetches


def grow(project: Project, users: dict, verdicts: dict, n: int) -> None:
    """Add n of every kind of row to the project (and n projects alice belongs to)."""
    start = Article.objects.count()
    codes = list(verdicts.values())
    for i in range(start, start + n):
        text = f"Texte numéro {i} : le ministre a déclaré quelque chose."
        article = Article.objects.create(project=project, body=text, body_hash=body_hash(text),
                                         title=f"Article {i}")
        claim = Claim.objects.create(article=article, start=0, end=5, quote=text[:5], speaker=f"S{i}",
                                     origin="manual", status="accepted")
        other = Claim.objects.create(article=article, start=6, end=10, quote=text[6:10],
                                     origin="suggested", status="candidate")
        ClaimRelation.objects.create(source=claim, target=other, kind="supports")
        ClaimBatch.objects.create(article=article, kind="decide", status="accepted", size=1,
                                  items=[{"id": other.pk}], created_by=users["alice"])
        Annotation.objects.create(claim=claim, annotator=users["alice"], verdict=codes[0])
        Annotation.objects.create(claim=claim, annotator=users["bob"], verdict=codes[i % 2])
        evidence = Evidence.objects.create(claim=claim, added_by=users["bob"], stance="context",
                                           url=f"https://example.org/{i}")
        adjudication = Adjudication.objects.create(claim=claim, verdict=codes[0],
                                                   adjudicator=users["rita"], method="adjudicated")
        adjudication.gold_evidence.add(evidence)
        adjudication.agrees_with.add(users["alice"])
        Job.objects.create(project=project, kind="suggest", created_by=users["max"])
        person = type(users["alice"]).objects.create_user(username=f"user{i}")
        Membership.objects.create(user=person, project=project, role=Role.ANNOTATOR)
        mine = Project.objects.create(name=f"P{i}", slug=f"p{i}", scheme=default_scheme())
        Membership.objects.create(user=users["alice"], project=mine, role=Role.ANNOTATOR)


def _count(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize(("url", "who"), LISTS)
def test_list_queries_do_not_grow_with_rows(url, who, client_for, work, project, users, verdicts) -> None:
    client = client_for(who)
    client.get("/api/v1/projects/")  # warm up what is cached per process (content types…)
    grow(project, users, verdicts, 2)
    few, rows_few = _count(client, url)
    grow(project, users, verdicts, 8)
    many, rows_many = _count(client, url)
    assert rows_many > rows_few
    assert few == many, f"{url}: {few} queries with few rows, {many} with more"
    assert many <= MAX_LIST_QUERIES


def test_cursor_pagination_walks_every_claim_once(client_for, work, project, users, verdicts) -> None:
    grow(project, users, verdicts, 5)
    client = client_for("rita")
    expected = list(
        Claim.objects.filter(article__project=project).order_by("id").values_list("id", flat=True)
    )
    seen, url, pages = [], "/api/v1/claims/?project=test&page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert "page=" not in (url or "")  # cursors, not page numbers
    assert seen == expected and pages == -(-len(expected) // 3)
    back = client.get(client.get("/api/v1/claims/?project=test&page_size=3").json()["next"]).json()
    assert [r["id"] for r in client.get(back["previous"]).json()["results"]] == expected[:3]


def test_ordering_and_bad_cursor(client_for, work, project, users, verdicts) -> None:
    grow(project, users, verdicts, 3)
    client = client_for("rita")
    ids = [r["id"] for r in client.get("/api/v1/claims/?project=test&ordering=-id").json()["results"]]
    assert ids == sorted(ids, reverse=True)
    assert client.get("/api/v1/claims/?cursor=garbage").status_code == 404
    jobs = [r["id"] for r in client_for("max").get("/api/v1/jobs/").json()["results"]]
    assert jobs == sorted(jobs, reverse=True)  # newest first by default
    names = [r["name"] for r in client_for("alice").get("/api/v1/projects/").json()["results"]]
    assert names == sorted(names) and len(names) == 4  # by name


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_claim_filters(client_for, work, claim, claim2, candidate, article) -> None:
    rita = client_for("rita")
    assert _ids(rita.get("/api/v1/claims/?status=candidate")) == {candidate.pk}
    assert _ids(rita.get("/api/v1/claims/?speaker=vance")) == {claim2.pk}
    assert _ids(rita.get("/api/v1/claims/?q=LAVROV")) == {claim.pk}
    assert _ids(rita.get(f"/api/v1/claims/?article={article.pk}")) == {claim.pk, claim2.pk, candidate.pk}
    assert _ids(rita.get("/api/v1/claims/?adjudicated=true")) == {claim2.pk}
    assert _ids(rita.get("/api/v1/claims/?adjudicated=false")) == {claim.pk, candidate.pk}
    assert _ids(rita.get(f"/api/v1/claims/?verdict={work['codes'][0]}")) == {claim2.pk}
    assert _ids(rita.get("/api/v1/claims/?disagreement=true")) == {claim.pk}
    assert _ids(rita.get("/api/v1/claims/?disagreement=false")) == {claim2.pk, candidate.pk}
    # Researchers never see candidates.
    assert _ids(client_for("rhea").get("/api/v1/claims/?project=test")) == {claim.pk, claim2.pk}


def test_other_filters(client_for, work, claim, article) -> None:
    rita = client_for("rita")
    assert _ids(rita.get("/api/v1/annotations/?annotator=bob")) == {work["a_bob"].pk}
    assert _ids(rita.get(f"/api/v1/annotations/?verdict={work['codes'][0]}")) == {work["a_alice"].pk}
    assert _ids(rita.get("/api/v1/annotations/?q=BOB's")) == {work["a_bob"].pk}
    assert _ids(rita.get("/api/v1/evidence/?stance=refutes")) == {work["e_bob"].pk}
    assert _ids(rita.get(f"/api/v1/evidence/?claim={claim.pk}&q=alice")) == {work["e_alice"].pk}
    assert _ids(rita.get(f"/api/v1/claim-relations/?claim={claim.pk}&kind=contradicts")) == {
        work["relation"].pk
    }
    assert _ids(rita.get("/api/v1/adjudications/?method=adjudicated")) == {work["adjudication"].pk}
    assert _ids(rita.get("/api/v1/articles/?q=vance")) == {article.pk}
    assert _ids(client_for("max").get("/api/v1/jobs/?kind=suggest&status=queued")) == {work["job"].pk}
    assert _ids(client_for("max").get("/api/v1/jobs/?kind=import")) == set()
    assert _ids(rita.get("/api/v1/members/?project=test&role=reviewer")) == {
        m.pk for m in Membership.objects.filter(role="reviewer")
    }


@pytest.mark.parametrize("query", [
    "status=nonsense", "article=abc", "article=99999999999999999999999", "adjudicated=maybe",
    "page_size=abc&status=x",
])
def test_bad_filter_values_are_400_naming_the_field(query, client_for, work) -> None:
    response = client_for("rita").get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0] if not query.startswith("page_size") else "status"
    assert name in response.json()
