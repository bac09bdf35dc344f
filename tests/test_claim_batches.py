"""Undoable changes to claims: many suggestions decided at once, one's own claim deleted, and the
one undo that restores exactly the states before (services/claim_batches.py, reading.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.access import NotFound
from annotations.models import (
    Annotation,
    Article,
    BatchKind,
    Claim,
    ClaimBatch,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    RelationKind,
    Stance,
    body_hash,
)
from annotations.reading import LONG_CLAIM_CHARS, blocks, decorations, paragraphs, span_warnings
from annotations.services import claim_batches as svc
from annotations.services.claims import claim_create, claim_decide, claim_relate
from annotations.services.work import annotation_save, evidence_add

pytestmark = pytest.mark.django_db

TEXT = (
    "\n\n## Le sommet d'Anchorage\n\n"
    "Lavrov a dit que la position restait *inchangée*. Vance a parlé de **concessions**.\n\n"
    "Le sommet a eu lieu le 15 août. Il a duré trois heures.\n"
)


@pytest.fixture
def doc(project) -> Article:
    return Article.objects.create(project=project, title="Anchorage", body=TEXT, body_hash=body_hash(TEXT),
                                  language="fr")


def suggest(article: Article, text: str, score: float) -> Claim:
    start = article.body.index(text)
    return Claim.objects.create(
        article=article, start=start, end=start + len(text), quote=text, origin=ClaimOrigin.SUGGESTED,
        status=ClaimStatus.CANDIDATE, score=score,
    )


@pytest.fixture
def suggestions(doc) -> dict[str, Claim]:
    return {
        "lavrov": suggest(doc, "Lavrov a dit que la position restait *inchangée*.", 0.9),
        "vance": suggest(doc, "Vance a parlé de **concessions**.", 0.4),
        "date": suggest(doc, "Le sommet a eu lieu le 15 août.", 0.7),
        "length": suggest(doc, "Il a duré trois heures.", 0.2),
    }


def states(claims: dict[str, Claim]) -> dict[str, tuple]:
    return {k: Claim.objects.values_list("status", "decided_by", "version").get(pk=c.pk)
            for k, c in claims.items()}


# --- the reading layout (pure) ------------------------------------------------------------------


def test_it_cuts_the_body_into_blocks_that_cover_it_exactly():
    found = blocks(TEXT)
    assert "".join(TEXT[b.start:b.end] for b in found) == TEXT
    assert [b.kind for b in found] == ["gap", "heading", "gap", "para", "gap", "para", "gap"]
    assert found[1].level == 2 and TEXT[found[1].start:found[1].end] == "## Le sommet d'Anchorage"
    assert [TEXT[a:b][:6] for a, b in paragraphs(TEXT)] == ["## Le ", "Lavrov", "Le som"]


def test_it_finds_markdown_markers_and_emphasis_by_offsets():
    para = blocks(TEXT)[3]
    found = [(TEXT[d.start:d.end], d.style) for d in decorations(TEXT, para)]
    assert found == [("*", "md"), ("inchangée", "em"), ("*", "md"),
                     ("**", "md"), ("concessions", "strong"), ("**", "md")]
    heading = blocks(TEXT)[1]
    assert [(TEXT[d.start:d.end], d.style) for d in decorations(TEXT, heading)] == [("## ", "md")]


def test_it_warns_of_spans_crossing_paragraphs_or_too_long():
    (a, b), (c, d) = paragraphs(TEXT)[1:3]
    assert span_warnings(TEXT, a, b) == []
    assert span_warnings(TEXT, a, d) == ["paragraphs"]
    long = "x" * (LONG_CLAIM_CHARS + 1)
    assert span_warnings(long, 0, len(long)) == ["length"]
    assert span_warnings(long, 0, LONG_CLAIM_CHARS) == []


# --- many decisions at once ---------------------------------------------------------------------


def test_it_accepts_every_suggestion_above_a_score_and_undoes_the_batch(doc, suggestions, alice):
    before = states(suggestions)
    batch = svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=0.6)
    assert batch.kind == BatchKind.DECIDE and batch.size == 2
    now = states(suggestions)
    assert now["lavrov"][0] == now["date"][0] == ClaimStatus.ACCEPTED
    assert now["lavrov"][1] == alice.pk and now["vance"] == before["vance"]
    svc.batch_undo(batch=batch, by=alice)
    after = states(suggestions)
    assert {k: v[:2] for k, v in after.items()} == {k: v[:2] for k, v in before.items()}
    batch.refresh_from_db()
    assert batch.undone_at is not None and batch.undone_by == alice
    # History keeps all three states of a claim: suggested, accepted, back to suggested.
    statuses = list(suggestions["lavrov"].history.order_by("history_date", "history_id")
                    .values_list("status", flat=True))
    assert statuses == [ClaimStatus.CANDIDATE, ClaimStatus.ACCEPTED, ClaimStatus.CANDIDATE]
    with pytest.raises(ValidationError, match="already undone"):
        svc.batch_undo(batch=batch, by=alice)


def test_it_rejects_below_a_score_the_ticked_ones_or_a_paragraph(doc, suggestions, alice):
    svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.REJECTED, below_score=0.3)
    assert states(suggestions)["length"][0] == ClaimStatus.REJECTED
    svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED,
                            claim_ids=[suggestions["vance"].pk])
    assert states(suggestions)["vance"][0] == ClaimStatus.ACCEPTED
    # Paragraph 2 holds the date and the length; only the date still waits for a decision.
    batch = svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.REJECTED, paragraph=2)
    assert [item["id"] for item in batch.items] == [suggestions["date"].pk]
    assert states(suggestions)["lavrov"][0] == ClaimStatus.CANDIDATE


def test_a_batch_criterion_naming_nothing_real_is_refused_and_changes_nothing(doc, suggestions, alice, claim):
    before = states(suggestions)
    with pytest.raises(ValidationError) as info:
        svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, claim_ids=[claim.pk])
    assert f"#{claim.pk}" in str(info.value)  # a claim of another article
    with pytest.raises(ValidationError, match="paragraphs 0 to 2"):
        svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, paragraph=9)
    with pytest.raises(ValidationError, match="between 0 and 1"):
        svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=2)
    with pytest.raises(ValidationError, match="Say which"):
        svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED)
    with pytest.raises(ValidationError, match="No suggestion"):
        svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=0.95)
    with pytest.raises(ValidationError, match="accepted or rejected"):
        svc.claims_decide_batch(article=doc, by=alice, status="candidate", min_score=0)
    assert states(suggestions) == before and not ClaimBatch.objects.exists()


def test_only_those_who_find_claims_decide_in_batches(doc, suggestions, rhea, charlie):
    with pytest.raises(PermissionDenied):
        svc.claims_decide_batch(article=doc, by=rhea, status=ClaimStatus.ACCEPTED, min_score=0)
    with pytest.raises(NotFound):
        svc.claims_decide_batch(article=doc, by=charlie, status=ClaimStatus.ACCEPTED, min_score=0)
    assert not ClaimBatch.objects.exists()


def test_undo_is_refused_when_a_claim_changed_since_and_changes_nothing(doc, suggestions, alice, bob):
    batch = svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=0.6)
    date = Claim.objects.get(pk=suggestions["date"].pk)
    claim_decide(claim=date, by=bob, status=ClaimStatus.REJECTED, version=date.version)
    with pytest.raises(ValidationError, match=f"#{date.pk}"):
        svc.batch_undo(batch=batch, by=alice)
    assert states(suggestions)["lavrov"][0] == ClaimStatus.ACCEPTED  # nothing undone
    batch.refresh_from_db()
    assert batch.undone_at is None


def test_undo_is_refused_when_an_accepted_claim_was_judged_since(doc, suggestions, alice, verdicts):
    batch = svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=0.6)
    annotation_save(claim=Claim.objects.get(pk=suggestions["lavrov"].pk), annotator=alice,
                    verdict=verdicts["supported"], version=None)
    with pytest.raises(ValidationError, match="judged"):
        svc.batch_undo(batch=batch, by=alice)


def test_another_annotator_may_not_undo_a_batch_but_a_reviewer_may(doc, suggestions, alice, bob, rita, rhea):
    batch = svc.claims_decide_batch(article=doc, by=alice, status=ClaimStatus.ACCEPTED, min_score=0.6)
    with pytest.raises(PermissionDenied):
        svc.batch_undo(batch=batch, by=bob)
    with pytest.raises(PermissionDenied):
        svc.batch_undo(batch=batch, by=rhea)
    svc.batch_undo(batch=batch, by=rita)
    assert states(suggestions)["lavrov"][0] == ClaimStatus.CANDIDATE


# --- deleting one's own claim -------------------------------------------------------------------


def test_an_author_deletes_their_claim_with_their_work_and_undo_restores_it_all(doc, article, alice, verdicts):
    mine = claim_create(article=doc, start=TEXT.index("Le sommet a eu"), end=TEXT.index(" Il a duré"), by=alice)
    other = claim_create(article=article, start=0, end=10, by=alice)
    annotation_save(claim=mine, annotator=alice, verdict=verdicts["supported"], version=None)
    evidence_add(claim=mine, by=alice, stance=Stance.SUPPORTS, url="https://example.org/a")
    evidence_add(claim=other, by=alice, stance=Stance.CONTEXT, linked_claim=mine)
    relation = claim_relate(source=mine, target=other, kind=RelationKind.SAME, by=alice)
    batch = svc.claim_delete(claim=mine, by=alice)
    assert batch.kind == BatchKind.DELETE
    assert not Claim.objects.filter(pk=mine.pk).exists()
    assert not Evidence.objects.filter(linked_claim_id=mine.pk).exists()
    svc.batch_undo(batch=batch, by=alice)
    restored = Claim.objects.get(pk=mine.pk)
    assert (restored.start, restored.end, restored.quote, restored.created_by) == (mine.start, mine.end, mine.quote, alice)
    assert Annotation.objects.get(claim=restored).verdict == verdicts["supported"]
    assert Evidence.objects.filter(claim=restored).count() == 1
    assert Evidence.objects.get(claim=other).linked_claim == restored
    assert ClaimRelation.objects.filter(pk=relation.pk).exists()
    # History: made, deleted, restored.
    kinds = list(restored.history.order_by("history_date", "history_id").values_list("history_type", flat=True))
    assert kinds == ["+", "-", "+"]


@pytest.mark.parametrize("work", ["verdict", "evidence", "relation", "adjudication"])
def test_a_claim_others_worked_on_cannot_be_deleted(work, claim, alice, bob, rita, verdicts, article):
    if work == "verdict":
        annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"], version=None)
    elif work == "evidence":
        evidence_add(claim=claim, by=bob, stance=Stance.REFUTES, url="https://example.org/b")
    elif work == "relation":
        other = claim_create(article=article, start=0, end=10, by=bob)
        claim_relate(source=other, target=claim, kind=RelationKind.CONTRADICTS, by=bob)
    else:
        from annotations.services.work import claim_adjudicate
        claim_adjudicate(claim=claim, by=rita, verdict=verdicts["refuted"], gold_evidence=[], version=None)
    with pytest.raises(ValidationError, match="others have worked on it"):
        svc.claim_delete(claim=claim, by=alice)
    assert Claim.objects.filter(pk=claim.pk).exists() and not ClaimBatch.objects.exists()


def test_only_the_author_deletes_a_claim(claim, bob, rita, rhea, charlie):
    for person in (bob, rita):
        with pytest.raises(PermissionDenied, match="reject it instead"):
            svc.claim_delete(claim=claim, by=person)
    with pytest.raises(PermissionDenied):
        svc.claim_delete(claim=claim, by=rhea)
    with pytest.raises(NotFound):
        svc.claim_delete(claim=claim, by=charlie)
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_deletion_cannot_be_undone_over_a_claim_marked_meanwhile_on_the_span(claim, alice, bob, article):
    batch = svc.claim_delete(claim=claim, by=alice)
    claim_create(article=article, start=claim.start, end=claim.end, by=bob)
    with pytest.raises(ValidationError, match="another claim now covers"):
        svc.batch_undo(batch=batch, by=alice)
    batch.refresh_from_db()
    assert batch.undone_at is None


def test_comments_count_as_work_others_and_the_authors_own_come_back(claim, alice, bob, article):
    from annotations.models import Comment, Notification

    Comment.objects.create(project=article.project, claim=claim, author=bob, body="Source ?")
    with pytest.raises(ValidationError, match="comments by someone else"):
        svc.claim_delete(claim=claim, by=alice)
    Comment.objects.all().delete()
    mine = Comment.objects.create(project=article.project, claim=claim, author=alice, body="@bob à vérifier")
    Notification.objects.create(user=bob, project=article.project, kind="mention", actor=alice, claim=claim,
                                comment=mine)
    batch = svc.claim_delete(claim=claim, by=alice)
    assert not Comment.objects.exists() and not Notification.objects.exists()
    svc.batch_undo(batch=batch, by=alice)
    assert Comment.objects.get(pk=mine.pk).body == "@bob à vérifier"
    assert Notification.objects.get().comment_id == mine.pk
