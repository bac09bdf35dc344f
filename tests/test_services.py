"""The write paths and read paths every interface calls, with their refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import selectors
from annotations.access import NotFound, StaleVersion
from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Membership,
    Project,
    Role,
    body_hash,
)
from annotations.services import claims as claim_services
from annotations.services import projects as project_services
from annotations.services import work
from tests.conftest import BODY

pytestmark = pytest.mark.django_db

VANCE = "JD Vance a affirmé dimanche que la Russie avait fait d'importantes concessions."


def _span(text: str) -> tuple[int, int]:
    start = BODY.index(text)
    return start, start + len(text)


# Projects and members


def test_it_creates_a_project_with_its_creator_as_manager(max_, alice):
    project = project_services.project_create(
        name="Desk", slug="desk", created_by=max_, members=[(alice, Role.ANNOTATOR)]
    )
    assert project.scheme.is_default
    roles = set(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {("max", "manager"), ("alice", "annotator")}


def test_it_refuses_project_creation_without_the_permission(alice):
    with pytest.raises(PermissionDenied):
        project_services.project_create(name="Desk", slug="desk", created_by=alice)
    assert not Project.objects.filter(slug="desk").exists()


def test_it_refuses_a_bad_overlap(max_):
    with pytest.raises(ValidationError) as exc:
        project_services.project_create(name="Desk", slug="desk", created_by=max_, overlap=0)
    assert "overlap" in exc.value.message_dict


def test_it_lets_only_managers_add_members(project, rita, charlie, alice):
    with pytest.raises(PermissionDenied):
        project_services.membership_add(project=project, user=charlie, role=Role.ANNOTATOR, by=rita)
    with pytest.raises(NotFound):
        project_services.membership_add(project=project, user=charlie, role=Role.ANNOTATOR, by=charlie)
    assert not Membership.objects.filter(user=charlie).exists()


def test_it_keeps_the_last_manager(project, max_):
    with pytest.raises(PermissionDenied, match="at least one manager"):
        project_services.membership_remove(project=project, user=max_, role=Role.MANAGER, by=max_)


# Claims


def test_it_creates_a_claim_whose_quote_comes_from_the_body(article, alice):
    start, end = _span(VANCE)
    claim = claim_services.claim_create(article=article, start=start, end=end, by=alice, quote=VANCE)
    assert claim.quote == VANCE
    assert (claim.status, claim.origin, claim.created_by) == (ClaimStatus.ACCEPTED, ClaimOrigin.MANUAL, alice)
    assert claim.history.count() == 1


def test_it_makes_suggestions_candidates(article):
    start, end = _span(VANCE)
    claim = claim_services.claim_create(
        article=article, start=start, end=end, by=None, origin=ClaimOrigin.SUGGESTED, score=0.8
    )
    assert claim.status == ClaimStatus.CANDIDATE


@pytest.mark.parametrize(
    "start,end,quote,field",
    [
        (0, 10, "Pas le texte", "quote"),
        (5, 5000, None, "end"),
        (10, 3, None, "end"),
    ],
)
def test_it_refuses_a_bad_span(article, alice, start, end, quote, field):
    with pytest.raises(ValidationError) as exc:
        claim_services.claim_create(article=article, start=start, end=end, by=alice, quote=quote)
    assert field in exc.value.message_dict
    assert not Claim.objects.exists()


def test_it_refuses_a_second_claim_on_the_same_span(article, alice, claim):
    with pytest.raises(ValidationError, match="already covers"):
        claim_services.claim_create(article=article, start=claim.start, end=claim.end, by=alice)


@pytest.mark.parametrize("who,error", [("rhea", PermissionDenied), ("charlie", NotFound)])
def test_it_refuses_claims_from_researchers_and_outsiders(article, users, who, error):
    start, end = _span(VANCE)
    with pytest.raises(error):
        claim_services.claim_create(article=article, start=start, end=end, by=users[who])


def test_it_edits_a_claim_and_refuses_a_stale_edit(claim, alice, bob):
    updated = claim_services.claim_update(claim=claim, by=alice, version=1, speaker="Lavrov")
    assert (updated.speaker, updated.version) == ("Lavrov", 2)
    with pytest.raises(StaleVersion) as exc:
        claim_services.claim_update(claim=claim, by=bob, version=1, speaker="Vance")
    assert exc.value.current.speaker == "Lavrov"
    claim.refresh_from_db()
    assert claim.speaker == "Lavrov"
    assert [(h.speaker, h.history_user) for h in claim.history.all()][:2] == [("Lavrov", alice), ("", None)]


def test_it_lets_reviewers_but_not_annotators_move_a_span(claim, alice, rita):
    start, end = _span(VANCE)
    with pytest.raises(PermissionDenied):
        claim_services.claim_update(claim=claim, by=alice, version=1, start=start, end=end)
    moved = claim_services.claim_update(claim=claim, by=rita, version=1, start=start, end=end)
    assert moved.quote == VANCE


def test_it_refuses_fields_that_are_not_editable(claim, alice):
    with pytest.raises(ValidationError):
        claim_services.claim_update(claim=claim, by=alice, version=1, status="rejected")


def test_it_accepts_and_rejects_candidates(article, alice):
    start, end = _span(VANCE)
    claim = claim_services.claim_create(article=article, start=start, end=end, by=None, origin=ClaimOrigin.SUGGESTED)
    decided = claim_services.claim_decide(claim=claim, by=alice, status=ClaimStatus.REJECTED, version=1)
    assert (decided.status, decided.decided_by) == (ClaimStatus.REJECTED, alice)
    with pytest.raises(ValidationError):
        claim_services.claim_decide(claim=claim, by=alice, status="candidate", version=2)


# Relations


def _other_claim(project, text="La position de la Russie est inchangée selon Lavrov."):
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
    return Claim.objects.create(
        article=article, start=0, end=len(text), quote=text,
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )


def test_it_relates_claims_across_articles_once_either_way(project, claim, alice, bob):
    other = _other_claim(project)
    first = claim_services.claim_relate(source=other, target=claim, kind="contradicts", by=alice)
    again = claim_services.claim_relate(source=claim, target=other, kind="contradicts", by=bob)
    assert first.pk == again.pk
    assert (first.source_id, first.target_id) == tuple(sorted((claim.pk, other.pk)))
    directed = claim_services.claim_relate(source=other, target=claim, kind="supports", by=alice)
    assert (directed.source_id, directed.target_id) == (other.pk, claim.pk)


def test_it_refuses_a_relation_to_itself_or_another_project(project, claim, alice):
    with pytest.raises(ValidationError):
        claim_services.claim_relate(source=claim, target=claim, kind="same", by=alice)
    elsewhere = Project.objects.create(name="Elsewhere", slug="elsewhere", scheme=project.scheme)
    with pytest.raises(ValidationError, match="same project"):
        claim_services.claim_relate(source=claim, target=_other_claim(elsewhere), kind="same", by=alice)


def test_it_refuses_relations_from_outsiders(project, claim, charlie):
    with pytest.raises(NotFound):
        claim_services.claim_relate(source=claim, target=_other_claim(project), kind="same", by=charlie)


# Annotations and evidence


def test_it_saves_an_annotation_and_refuses_a_lost_update(claim, alice, verdicts):
    first = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], rationale="r1")
    assert first.version == 1
    second = work.annotation_save(
        claim=claim, annotator=alice, verdict=verdicts["refuted"], version=1, confidence=4
    )
    assert (second.version, second.verdict.code, second.confidence) == (2, "refuted", 4)
    with pytest.raises(StaleVersion) as exc:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], version=1)
    assert exc.value.current.verdict.code == "refuted"
    with pytest.raises(StaleVersion):
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert second.history.count() == 2


@pytest.mark.parametrize("who,error", [("rita", PermissionDenied), ("rhea", PermissionDenied), ("charlie", NotFound)])
def test_it_lets_only_annotators_annotate(claim, users, verdicts, who, error):
    with pytest.raises(error):
        work.annotation_save(claim=claim, annotator=users[who], verdict=verdicts["supported"])


def test_it_refuses_a_verdict_from_another_scheme(claim, alice):
    from annotations.models import Verdict, VerdictScheme

    scheme = VerdictScheme.objects.create(name="Other", slug="other")
    foreign = Verdict.objects.create(scheme=scheme, code="true", name="True")
    with pytest.raises(ValidationError, match="scheme"):
        work.annotation_save(claim=claim, annotator=alice, verdict=foreign)


def test_it_refuses_to_judge_a_candidate(article, alice, verdicts):
    start, end = _span(VANCE)
    candidate = claim_services.claim_create(article=article, start=start, end=end, by=None, origin=ClaimOrigin.SUGGESTED)
    with pytest.raises(ValidationError):
        work.annotation_save(claim=candidate, annotator=alice, verdict=verdicts["supported"])


def test_it_adds_evidence_and_refuses_unsafe_links(claim, alice, article):
    evidence = work.evidence_add(
        claim=claim, by=alice, stance="refutes", url="https://tass.com/politics/1", title="TASS"
    )
    assert evidence.pk
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(ValidationError):
            work.evidence_add(claim=claim, by=alice, stance="refutes", url=bad)
    with pytest.raises(ValidationError):
        work.evidence_add(claim=claim, by=alice, stance="maybe", url="https://example.org")
    linked = work.evidence_add(claim=claim, by=alice, stance="context", linked_article=article)
    assert linked.linked_article == article


def test_it_refuses_evidence_from_another_project(project, claim, alice):
    elsewhere = Project.objects.create(name="Elsewhere", slug="elsewhere", scheme=project.scheme)
    with pytest.raises(ValidationError):
        work.evidence_add(claim=claim, by=alice, stance="supports", linked_claim=_other_claim(elsewhere))


# Adjudication


def test_it_adjudicates_and_records_who_agreed(claim, alice, bob, rita, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    evidence = work.evidence_add(claim=claim, by=alice, stance="refutes", url="https://example.org/a")
    adjudication = work.claim_adjudicate(
        claim=claim, by=rita, verdict=verdicts["refuted"], notes="Lavrov said so", gold_evidence=[evidence]
    )
    assert adjudication.method == AdjudicationMethod.ADJUDICATED
    assert list(adjudication.agrees_with.values_list("username", flat=True)) == ["alice"]
    assert list(adjudication.gold_evidence.all()) == [evidence]
    with pytest.raises(StaleVersion):
        work.claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"])
    changed = work.claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"], version=1)
    assert changed.version == 2
    history = list(changed.history.order_by("history_date", "history_id"))
    assert history[0].verdict_id == verdicts["refuted"].pk
    assert history[-1].verdict_id == verdicts["supported"].pk
    assert {h.history_user_id for h in history} == {rita.pk}


def test_it_refuses_adjudication_by_annotators_and_outsiders(claim, alice, charlie, verdicts):
    with pytest.raises(PermissionDenied):
        work.claim_adjudicate(claim=claim, by=alice, verdict=verdicts["supported"])
    with pytest.raises(NotFound):
        work.claim_adjudicate(claim=claim, by=charlie, verdict=verdicts["supported"])
    assert not Adjudication.objects.exists()


def test_it_auto_adjudicates_only_unanimous_verdicts(claim, verdicts):
    auto = work.claim_adjudicate(
        claim=claim, by=None, verdict=verdicts["supported"], method=AdjudicationMethod.UNANIMOUS
    )
    assert auto.adjudicator is None
    claim2 = _other_claim(claim.article.project)
    with pytest.raises(ValidationError):
        work.claim_adjudicate(claim=claim2, by=None, verdict=verdicts["supported"])


def test_it_refuses_gold_evidence_of_another_claim(project, claim, alice, rita, verdicts):
    other = _other_claim(project)
    evidence = work.evidence_add(claim=other, by=alice, stance="supports", url="https://example.org")
    with pytest.raises(ValidationError):
        work.claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"], gold_evidence=[evidence])


# Selectors


def test_it_hides_other_annotators_work_in_a_blind_project(project, claim, alice, bob, rita, rhea, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.evidence_add(claim=claim, by=alice, stance="supports", url="https://example.org")
    assert project.blind
    assert not selectors.annotations_visible_to(bob, claim).exists()
    assert not selectors.evidence_visible_to(bob, claim).exists()
    assert selectors.annotations_visible_to(alice, claim).count() == 1
    assert selectors.annotations_visible_to(rita, claim).count() == 1
    assert not selectors.annotations_visible_to(rhea, claim).exists()
    project.blind = False
    project.save()
    claim.article.project.blind = False
    assert selectors.annotations_visible_to(bob, claim).count() == 1


def test_it_refuses_outsiders_and_anonymous_in_selectors(project, article, claim, charlie):
    from django.contrib.auth.models import AnonymousUser

    for user in (charlie, AnonymousUser()):
        with pytest.raises(NotFound):
            selectors.project_get_for_user(user, slug=project.slug)
        with pytest.raises(NotFound):
            selectors.article_get_for_user(user, article.pk)
        with pytest.raises(NotFound):
            selectors.claim_get_for_user(user, claim.pk)
    assert list(selectors.projects_for_user(charlie)) == []


def test_it_lists_a_members_projects(project, alice):
    assert list(selectors.projects_for_user(alice)) == [project]
    from annotations.access import Capability

    with pytest.raises(PermissionDenied):
        selectors.project_get_for_user(alice, slug=project.slug, capability=Capability.MANAGE)


# Articles


def test_it_saves_an_article_and_freezes_its_body_once_claimed(article, claim, max_):
    from annotations.services.articles import article_save

    article.title = "Nouveau titre"
    article_save(article=article, by=max_)
    article.body = BODY + " Ajout."
    with pytest.raises(ValidationError, match="frozen"):
        article_save(article=article, by=max_)
    article.refresh_from_db()
    assert (article.title, article.body) == ("Nouveau titre", BODY)


def test_it_refuses_a_twin_body_and_non_managers(project, article, max_, rita):
    from annotations.services.articles import article_save

    twin = Article(project=project, body=BODY.replace("\n", "\r\n"))
    with pytest.raises(ValidationError, match="exactly this text"):
        article_save(article=twin, by=max_)
    with pytest.raises(PermissionDenied):
        article_save(article=Article(project=project, body="Autre texte."), by=rita)
    fresh = article_save(article=Article(project=project, body="Autre texte.\r\n"), by=max_)
    assert fresh.body == "Autre texte.\n" and fresh.body_hash == body_hash("Autre texte.\n")
