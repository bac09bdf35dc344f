"""Related claims over the project's index, built in process: the seed corpus' pair, incremental
updates, visibility, and the offline embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.access import NotFound
from annotations.models import Article, CandidateOrigin, Claim, ClaimOrigin, ClaimStatus, RelationCandidate, body_hash
from annotations.selectors.graph import answer_candidates_for_user, related_for_user
from annotations.services import graph as graph_services
from annotations.services.graph_jobs import index_articles, open_index, propose_relations, relations_build

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
VANCE = "importantes concessions"
LAVROV = "restait totalement inchangée"


@pytest.fixture
def seeds(project) -> dict[str, Article]:
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        out[path.stem[:3]] = Article.objects.create(
            project=project, title=path.stem, external_id=path.stem, body=body, body_hash=body_hash(body),
            language="fr",
        )
    return out


def _claim_on(article: Article, needle: str, by) -> Claim:
    """A claim on the sentence of the article that holds the needle."""
    body = article.body
    at = body.index(needle)
    start = max(body.rfind(". ", 0, at) + 2, body.rfind("\n", 0, at) + 1, 0)
    ends = [i for i in (body.find(". ", at), body.find("\n", at)) if i != -1]
    end = min(ends) + 1 if ends else len(body)
    return Claim.objects.create(article=article, start=start, end=end, quote=body[start:end],
                                origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=by)


def test_vance_finds_lavrov_among_the_related_claims_and_the_proposals(seeds, project, alice, charlie, rhea, no_network):
    vance = _claim_on(seeds["003"], VANCE, alice)
    built = relations_build(project)
    assert built["articles"] == 5 and built["passages_indexed"] > 100

    related = related_for_user(alice, vance.pk)
    assert 0 < len(related) <= 10
    assert all(item.article_id != vance.article_id for item in related)
    assert any(LAVROV in item.quote for item in related), [i.quote[:60] for i in related]
    lavrov = next(item for item in related if LAVROV in item.quote)
    assert lavrov.reasons and lavrov.relation in ("contradicts", "same", "supports", "related")
    assert [i.score for i in related] == sorted((i.score for i in related), reverse=True)

    proposals = RelationCandidate.objects.filter(project=project, origin=CandidateOrigin.ENGINE)
    assert proposals.count() == built["proposed"] > 0

    with pytest.raises(NotFound):
        related_for_user(charlie, vance.pk)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        related_for_user(rhea, vance.pk)


def test_the_index_is_updated_incrementally(seeds, project, alice):
    index_articles(project, [a.pk for a in seeds.values()])
    size = len(open_index(project.pk))
    vance = _claim_on(seeds["003"], VANCE, alice)
    written = index_articles(project, [seeds["003"].pk])
    index = open_index(project.pk)
    assert f"c{vance.pk}" in index
    # The claim replaces the sentence at its span, so the article's passages are as many as before.
    assert len(index) == size and written == len(index.keys_of([str(seeds["003"].pk)]))
    seeds["004"].delete()
    index_articles(project, [seeds["004"].pk])
    assert open_index(project.pk).keys_of([str(seeds["004"].pk)]) == []
    assert propose_relations(project, []) == 0


def test_a_question_finds_its_candidate_answers(seeds, project, alice):
    relations_build(project)
    question = graph_services.question_create(
        project=project, by=alice, text="La Russie a-t-elle fait des concessions à Trump lors du sommet d'Anchorage ?",
    )
    found = answer_candidates_for_user(alice, question.pk)
    assert found and len(found) <= 10
    # Passages about the concessions themselves, from more than one article.
    about = [item for item in found if "concessions" in item.quote]
    assert len(about) >= 2 and len({item.article_id for item in about}) >= 2, [i.quote[:60] for i in found]
    assert answer_candidates_for_user(alice, question.pk) == found  # deterministic
    # Once a claim answers the question, it is no longer offered as a candidate.
    claim = _claim_on(seeds["003"], VANCE, alice)
    graph_services.answer_set(question=question, claim=claim, answer="yes", by=alice)
    index_articles(project, [seeds["003"].pk])
    assert all(item.claim != claim for item in answer_candidates_for_user(alice, question.pk))


CONFERENCE = "conférence de presse conjointe"
SECRET = "dans le plus grand secret"


@pytest.mark.slow
def test_the_second_embedder_brings_a_wordless_contradiction_into_the_related_list(seeds, project, alice, settings):
    # 002's twelve-minute press conference against 003's meeting "dans le plus grand secret, loin
    # des médias": no shared word, name or date. The e5 index beside the USE one (csls2) brings
    # the secret passage into the conference's related list; USE alone leaves it out.
    conference = _claim_on(seeds["002"], CONFERENCE, alice)
    settings.GRAPH_SECOND_EMBEDDER = False
    relations_build(project)
    assert not any(SECRET in item.quote for item in related_for_user(alice, conference.pk))

    settings.GRAPH_SECOND_EMBEDDER = True
    index_articles(project, [a.pk for a in seeds.values()])
    from annotations.services.graph_jobs import open_second_index

    second = open_second_index(project.pk)
    assert second is not None and set(second.keys_of([str(seeds["003"].pk)])) == set(
        open_index(project.pk).keys_of([str(seeds["003"].pk)]))
    related = related_for_user(alice, conference.pk)
    assert any(SECRET in item.quote for item in related), [i.quote[:60] for i in related]
    # The question page's candidate answers go the same way (the question as an e5 query).
    question = graph_services.question_create(
        project=project, by=alice, text="Le sommet s'est-il tenu en secret, loin des médias ?")
    assert any(SECRET in item.quote for item in answer_candidates_for_user(alice, question.pk))


@pytest.mark.slow
def test_turning_the_second_embedder_on_reindexes_every_article_once(seeds, project, alice, settings):
    from django.utils import timezone

    from annotations.models import Job, JobKind, JobStatus
    from annotations.services.graph_jobs import _changed_articles, open_second_index

    settings.GRAPH_SECOND_EMBEDDER = False
    index_articles(project, [a.pk for a in seeds.values()])
    now = timezone.now()
    Job.objects.create(project=project, kind=JobKind.RELATIONS, status=JobStatus.SUCCEEDED, created_by=alice,
                       started_at=now, finished_at=now)
    job = Job.objects.create(project=project, kind=JobKind.RELATIONS, created_by=alice)
    assert _changed_articles(job) == []  # nothing changed since the last job
    settings.GRAPH_SECOND_EMBEDDER = True
    assert open_second_index(project.pk) is None
    assert sorted(_changed_articles(job)) == sorted(a.pk for a in seeds.values())
    index_articles(project, [a.pk for a in seeds.values()])
    assert len(open_second_index(project.pk)) == len(open_index(project.pk))
    assert _changed_articles(job) == []
    # Re-indexed while off, an article's second rows go rather than go stale; on again, all once.
    settings.GRAPH_SECOND_EMBEDDER = False
    index_articles(project, [seeds["003"].pk])
    settings.GRAPH_SECOND_EMBEDDER = True
    assert open_second_index(project.pk).keys_of([str(seeds["003"].pk)]) == []
    assert sorted(_changed_articles(job)) == sorted(a.pk for a in seeds.values())
