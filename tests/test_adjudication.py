"""Adjudication services: automatic unanimous acceptance, majority, overrides, and their refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.access import NotFound, StaleVersion
from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Membership,
    Role,
    body_hash,
)
from annotations.services import work
from annotations.services.adjudication import (
    AUTO_REASON,
    WITHDRAWN_REASON,
    adjudication_accept_majority,
    adjudication_auto,
    adjudication_backfill,
    adjudication_decide,
    adjudication_override,
    claim_adjudicate,
    plurality,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(django_user_model, project):
    """A third annotator, for majorities."""
    user = django_user_model.objects.create_user(username="carol", password="pw-carol")
    Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    return user


def _claim(project, text: str) -> Claim:
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
    return Claim.objects.create(
        article=article, start=0, end=len(text), quote=text,
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )


def test_plurality_finds_the_top_label_or_the_tie() -> None:
    assert plurality(["a", "b", "a"]) == ("a", ())
    assert plurality(["a", "b"]) == (None, ("a", "b"))
    assert plurality([]) == (None, ())


# --- automatic unanimous acceptance -------------------------------------------------------------


def test_it_auto_adjudicates_unanimous_claims_once_overlap_is_met(claim, alice, bob, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert not Adjudication.objects.exists()  # one verdict of the two the overlap asks for
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    adjudication = Adjudication.objects.get(claim=claim)
    assert adjudication.method == AdjudicationMethod.UNANIMOUS
    assert adjudication.adjudicator is None
    assert adjudication.verdict == verdicts["supported"]
    assert set(adjudication.agrees_with.values_list("username", flat=True)) == {"alice", "bob"}
    row = adjudication.history.get()
    assert (row.history_user_id, row.history_change_reason) == (None, AUTO_REASON)


def test_it_does_not_auto_adjudicate_when_the_project_does_not_ask(project, claim, alice, bob, verdicts):
    project.auto_accept_unanimous = False
    project.save()
    claim.article.project.auto_accept_unanimous = False
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    assert not Adjudication.objects.exists()


def test_it_does_not_auto_adjudicate_disagreements(claim, alice, bob, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    assert not Adjudication.objects.exists()


def test_it_waits_for_the_overlap_and_never_accepts_a_single_verdict(project, claim, alice, bob, carol, verdicts):
    project.overlap = 3
    project.save()
    claim.article.project.overlap = 3
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    assert not Adjudication.objects.exists()
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["supported"])
    assert Adjudication.objects.get(claim=claim).method == AdjudicationMethod.UNANIMOUS
    other = _claim(project, "Une seule voix.")
    project.overlap = 1
    project.save()
    other.article.project.overlap = 1
    work.annotation_save(claim=other, annotator=alice, verdict=verdicts["supported"])
    assert not Adjudication.objects.filter(claim=other).exists()  # unanimity needs two people


def test_an_automatic_adjudication_follows_changed_verdicts_and_is_withdrawn(claim, alice, bob, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    bobs = work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"], version=bobs.version)
    assert not Adjudication.objects.exists()
    deleted = Adjudication.history.filter(history_type="-").get()
    assert deleted.history_change_reason == WITHDRAWN_REASON


def test_an_automatic_adjudication_never_touches_a_persons_decision(claim, alice, bob, rita, verdicts):
    alices = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    auto = Adjudication.objects.get()
    adjudication_override(
        claim=claim, by=rita, verdict=verdicts["misleading"], reason="Cherry-picked quote.",
        version=auto.version,
    )
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], version=alices.version)
    adjudication = Adjudication.objects.get()
    assert (adjudication.verdict, adjudication.adjudicator) == (verdicts["misleading"], rita)


def test_the_backfill_adjudicates_unanimous_claims_judged_before(project, claim, alice, bob, rita, verdicts):
    project.auto_accept_unanimous = False
    project.save()
    claim.article.project.auto_accept_unanimous = False
    disputed = _claim(project, "Une autre affirmation.")
    lone = _claim(project, "Une troisième affirmation.")
    judged = [
        (claim, alice, "supported"), (claim, bob, "supported"),
        (disputed, alice, "supported"), (disputed, bob, "refuted"), (lone, alice, "refuted"),
    ]
    for c, user, code in judged:
        work.annotation_save(claim=c, annotator=user, verdict=verdicts[code])
    assert not Adjudication.objects.exists()
    with pytest.raises(ValidationError) as refused:
        adjudication_backfill(project=project, by=rita)
    assert "auto_accept_unanimous" in refused.value.message_dict
    project.auto_accept_unanimous = True
    project.save()
    with pytest.raises(PermissionDenied):
        adjudication_backfill(project=project, by=alice)
    assert adjudication_backfill(project=project, by=rita) == 1
    assert list(Adjudication.objects.values_list("claim", "method")) == [(claim.pk, "unanimous")]
    assert adjudication_backfill(project=project, by=rita) == 0  # safe to run again


# --- reviewers' decisions -----------------------------------------------------------------------


def test_a_reviewer_overrides_an_automatic_adjudication_with_a_reason(claim, alice, bob, rita, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    auto = Adjudication.objects.get()
    with pytest.raises(ValidationError) as no_reason:
        adjudication_override(claim=claim, by=rita, verdict=verdicts["refuted"], reason=" ", version=1)
    assert "reason" in no_reason.value.message_dict
    # The lower-level service refuses too: an automatic decision is never replaced silently.
    with pytest.raises(ValidationError):
        claim_adjudicate(claim=claim, by=rita, verdict=verdicts["refuted"], version=auto.version)
    auto.refresh_from_db()
    assert (auto.version, auto.method) == (1, AdjudicationMethod.UNANIMOUS)

    reason = "Both missed the correction published the next day. " * 3
    changed = adjudication_override(
        claim=claim, by=rita, verdict=verdicts["refuted"], reason=reason, version=auto.version
    )
    assert (changed.verdict, changed.adjudicator, changed.method) == (
        verdicts["refuted"], rita, AdjudicationMethod.ADJUDICATED
    )
    assert changed.version == 2
    assert changed.notes == reason
    assert list(changed.agrees_with.all()) == []
    latest = changed.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user_id == rita.pk
    assert latest.history_change_reason.startswith("override: Both missed the correction")
    assert len(latest.history_change_reason) <= 100


def test_an_override_at_a_stale_version_changes_nothing(claim, rita, max_, verdicts):
    first = adjudication_decide(claim=claim, by=rita, verdict=verdicts["supported"], note="First look.")
    adjudication_override(claim=claim, by=max_, verdict=verdicts["refuted"], reason="Source retracted.", version=1)
    with pytest.raises(StaleVersion) as stale:
        adjudication_override(claim=claim, by=rita, verdict=verdicts["misleading"], reason="Mine.", version=first.version)
    assert stale.value.current.verdict == verdicts["refuted"]
    with pytest.raises(StaleVersion):
        adjudication_decide(claim=claim, by=rita, verdict=verdicts["misleading"], note="Mine.", version=1)
    with pytest.raises(StaleVersion):  # a second "new" decision is stale too
        adjudication_decide(claim=claim, by=rita, verdict=verdicts["misleading"], note="Mine.")
    current = Adjudication.objects.get()
    assert (current.verdict, current.adjudicator, current.version) == (verdicts["refuted"], max_, 2)


def test_deciding_from_the_review_page_requires_a_reason_only_to_override(claim, alice, rita, verdicts):
    evidence = work.evidence_add(claim=claim, by=alice, stance="refutes", url="https://example.org/a")
    made = adjudication_decide(
        claim=claim, by=rita, verdict=verdicts["refuted"], gold_evidence=[evidence]
    )
    assert (made.method, made.notes, list(made.gold_evidence.all())) == (
        AdjudicationMethod.ADJUDICATED, "", [evidence]
    )
    with pytest.raises(ValidationError) as refused:
        adjudication_decide(claim=claim, by=rita, verdict=verdicts["supported"], version=made.version)
    assert "reason" in refused.value.message_dict
    assert Adjudication.objects.get().verdict == verdicts["refuted"]


# --- majority -----------------------------------------------------------------------------------


def test_accept_majority_records_the_method_and_who_agreed(claim, alice, bob, carol, rita, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["refuted"])
    adjudication = adjudication_accept_majority(claim=claim, by=rita)
    assert (adjudication.verdict, adjudication.method, adjudication.adjudicator) == (
        verdicts["refuted"], AdjudicationMethod.MAJORITY, rita
    )
    assert set(adjudication.agrees_with.values_list("username", flat=True)) == {"alice", "carol"}


def test_accept_majority_refuses_a_tie(claim, alice, bob, rita, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    with pytest.raises(ValidationError) as tie:
        adjudication_accept_majority(claim=claim, by=rita)
    message = tie.value.message_dict["verdict"][0]
    assert "tied" in message and "Supported (1)" in message and "Refuted (1)" in message
    assert not Adjudication.objects.exists()


def test_accept_majority_needs_two_verdicts_and_a_reason_to_override(claim, alice, bob, carol, rita, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    with pytest.raises(ValidationError):
        adjudication_accept_majority(claim=claim, by=rita)
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    adjudication_decide(claim=claim, by=rita, verdict=verdicts["conflicting"])
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["supported"])
    with pytest.raises(StaleVersion):
        adjudication_accept_majority(claim=claim, by=rita)
    with pytest.raises(ValidationError):
        adjudication_accept_majority(claim=claim, by=rita, version=1)
    changed = adjudication_accept_majority(claim=claim, by=rita, version=1, reason="Two of three agree.")
    assert (changed.verdict, changed.method, changed.version) == (
        verdicts["supported"], AdjudicationMethod.MAJORITY, 2
    )


# --- who may --------------------------------------------------------------------------------------


def test_annotators_and_researchers_cannot_adjudicate(claim, alice, bob, rhea, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    auto = Adjudication.objects.get()
    for person in (alice, rhea):
        with pytest.raises(PermissionDenied):
            adjudication_accept_majority(claim=claim, by=person, version=auto.version, reason="x")
        with pytest.raises(PermissionDenied):
            adjudication_override(claim=claim, by=person, verdict=verdicts["refuted"], reason="x", version=1)
        with pytest.raises(PermissionDenied):
            adjudication_decide(claim=claim, by=person, verdict=verdicts["refuted"], note="x", version=1)
    assert Adjudication.objects.get().version == 1


def test_outsiders_are_told_the_claim_does_not_exist(claim, alice, bob, charlie, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    with pytest.raises(NotFound):
        adjudication_accept_majority(claim=claim, by=charlie)
    with pytest.raises(NotFound):
        adjudication_decide(claim=claim, by=charlie, verdict=verdicts["refuted"])
    with pytest.raises(NotFound):
        adjudication_override(claim=claim, by=charlie, verdict=verdicts["refuted"], reason="x", version=1)
    assert not Adjudication.objects.exists()


def test_a_verdict_of_another_scheme_or_foreign_gold_is_refused(project, claim, alice, rita, verdicts):
    from annotations.models import Verdict, VerdictScheme

    foreign = Verdict.objects.create(scheme=VerdictScheme.objects.create(name="O", slug="o"), code="x", name="X")
    with pytest.raises(ValidationError) as bad:
        adjudication_decide(claim=claim, by=rita, verdict=foreign)
    assert "verdict" in bad.value.message_dict
    other = _claim(project, "Encore une affirmation.")
    evidence = work.evidence_add(claim=other, by=alice, stance="supports", url="https://example.org")
    with pytest.raises(ValidationError) as gold:
        adjudication_decide(claim=claim, by=rita, verdict=verdicts["supported"], gold_evidence=[evidence])
    assert "gold_evidence" in gold.value.message_dict
    assert not Adjudication.objects.exists()


def test_auto_adjudication_is_idempotent(claim, alice, bob, verdicts):
    Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"])
    Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts["supported"])
    first = adjudication_auto(claim=claim)
    again = adjudication_auto(claim=claim)
    assert first.pk == again.pk and again.version == 1
    assert Adjudication.history.count() == 1  # the creation only; agrees_with is not in history


def test_turning_on_auto_accept_adjudicates_claims_already_judged_unanimously(
    project, claim, verdicts, alice, bob, max_
):
    from annotations.services.projects import project_update
    from annotations.services.work import annotation_save

    project_update(project=project, by=max_, auto_accept_unanimous=False)
    claim = Claim.objects.select_related("article__project").get(pk=claim.pk)
    for annotator in (alice, bob):
        annotation_save(claim=claim, annotator=annotator, verdict=verdicts["refuted"])
    assert not Adjudication.objects.filter(claim=claim).exists()

    project_update(project=project, by=max_, auto_accept_unanimous=True)

    adjudication = Adjudication.objects.get(claim=claim)
    assert adjudication.method == "unanimous" and adjudication.verdict == verdicts["refuted"]
