"""Blindness: in a blind project an annotator never sees another annotator's annotations or
evidence, in lists, filters, single reads or writes; what each role sees is as documented."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Project, Role
from annotations.pseudonyms import pseudonym

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_annotator_lists_only_own_annotations_and_evidence(client_for, work) -> None:
    bob = client_for("bob")
    assert _ids(bob.get("/api/v1/annotations/")) == {work["a_bob"].pk}
    assert _ids(bob.get("/api/v1/annotations/?project=test")) == {work["a_bob"].pk}
    assert _ids(bob.get("/api/v1/evidence/?project=test")) == {work["e_bob"].pk}
    # Filtering by the other annotator's name finds nothing rather than revealing anything.
    assert _ids(bob.get("/api/v1/annotations/?annotator=alice")) == set()
    assert _ids(bob.get(f"/api/v1/annotations/?verdict={work['codes'][0]}")) == set()


def test_annotator_cannot_read_or_delete_others_work(client_for, work) -> None:
    bob = client_for("bob")
    assert bob.get(f"/api/v1/annotations/{work['a_alice'].pk}/").status_code == 404
    assert bob.get(f"/api/v1/evidence/{work['e_alice'].pk}/").status_code == 404
    assert bob.patch(f"/api/v1/annotations/{work['a_alice'].pk}/",
                     {"rationale": "x", "version": 1}, format="json").status_code == 404
    assert bob.delete(f"/api/v1/evidence/{work['e_alice'].pk}/").status_code == 404
    work["a_alice"].refresh_from_db()
    assert work["a_alice"].rationale == "alice's reason"


def test_claim_review_filters_do_not_reach_annotators(client_for, work, claim, claim2) -> None:
    """Disagreement, final verdict and adjudicated would tell an annotator about others' work."""
    assert _ids(client_for("rita").get("/api/v1/claims/?disagreement=true")) == {claim.pk}
    assert _ids(client_for("bob").get("/api/v1/claims/?disagreement=true")) == set()
    assert _ids(client_for("bob").get("/api/v1/claims/?adjudicated=true")) == set()
    assert _ids(client_for("bob").get(f"/api/v1/claims/?verdict={work['codes'][0]}")) == set()


def test_not_blind_project_shows_everyone_to_annotators(client_for, work, project) -> None:
    Project.objects.filter(pk=project.pk).update(blind=False)
    bob = client_for("bob")
    assert _ids(bob.get("/api/v1/annotations/")) == {work["a_alice"].pk, work["a_bob"].pk}
    assert bob.get(f"/api/v1/evidence/{work['e_alice'].pk}/").status_code == 200
    # Still only its annotator may change an annotation.
    assert bob.patch(f"/api/v1/annotations/{work['a_alice'].pk}/",
                     {"rationale": "x", "version": 1}, format="json").status_code == 403


def test_reviewers_and_managers_see_everything(client_for, work) -> None:
    both = {work["a_alice"].pk, work["a_bob"].pk}
    assert _ids(client_for("rita").get("/api/v1/annotations/")) == both
    assert _ids(client_for("max").get("/api/v1/annotations/?project=test")) == both


def test_researcher_sees_no_work_and_annotators_as_pseudonyms(client_for, work, project, users) -> None:
    rhea = client_for("rhea")
    assert _ids(rhea.get("/api/v1/annotations/")) == set()
    assert _ids(rhea.get("/api/v1/evidence/")) == set()
    assert _ids(rhea.get("/api/v1/adjudications/")) == set()
    members = rhea.get("/api/v1/members/?project=test&role=annotator").json()["results"]
    expected = {pseudonym(project.pseudonym_salt, users[n].pk) for n in ("alice", "bob")}
    assert {m["username"] for m in members} == expected
    assert all(m["user"] is None for m in members)
    # The manager, and everyone once the project shows names, are named.
    Project.objects.filter(pk=project.pk).update(show_annotator_names=True)
    members = rhea.get("/api/v1/members/?project=test&role=annotator").json()["results"]
    assert {m["username"] for m in members} == {"alice", "bob"}


def test_rule_is_per_project(client_for, work, users, verdicts) -> None:
    """alice reviews another project: there she sees bob's work, here she stays blind."""
    from annotations.models import Annotation, Article, Claim, body_hash
    from annotations.services.projects import default_scheme

    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    Membership.objects.create(user=users["alice"], project=other, role=Role.REVIEWER)
    Membership.objects.create(user=users["bob"], project=other, role=Role.ANNOTATOR)
    text = "Un autre texte."
    article = Article.objects.create(project=other, body=text, body_hash=body_hash(text))
    claim = Claim.objects.create(article=article, start=0, end=3, quote=text[:3],
                                 origin="manual", status="accepted")
    theirs = Annotation.objects.create(claim=claim, annotator=users["bob"],
                                       verdict=next(iter(verdicts.values())))
    assert _ids(client_for("alice").get("/api/v1/annotations/")) == {work["a_alice"].pk, theirs.pk}
    assert _ids(client_for("alice").get("/api/v1/annotations/?project=other")) == {theirs.pk}


@pytest.mark.parametrize("blind", [True, False])
def test_list_rule_matches_the_per_claim_selectors(blind, work, project, claim, claim2, users) -> None:
    """The lists' set-wise rule (all projects, or one) gives exactly what the per-claim
    selectors core.annotations_visible_to / evidence_visible_to give, for every persona."""
    from annotations import selectors
    from annotations.selectors import visibility

    Project.objects.filter(pk=project.pk).update(blind=blind)
    for name in ("alice", "bob", "rita", "max", "rhea"):
        user = users[name]
        for scope in (visibility.list_scope(user), visibility.list_scope(user, "test")):
            listed = set(visibility.annotations_listable(scope).values_list("pk", flat=True))
            shown = set(visibility.evidence_listable(scope).values_list("pk", flat=True))
            expected_a: set[int] = set()
            expected_e: set[int] = set()
            for c in (claim, claim2):
                fresh = selectors.claim_get_for_user(user, c.pk)
                expected_a |= set(selectors.annotations_visible_to(user, fresh).values_list("pk", flat=True))
                expected_e |= set(selectors.evidence_visible_to(user, fresh).values_list("pk", flat=True))
            assert listed == expected_a, name
            assert shown == expected_e, name
            lazy = set(visibility.annotations_listable_by(user).values_list("pk", flat=True))
            assert lazy == expected_a, name
