"""The admin's "Accept the majority verdict" action on claims: through the service, ties refused."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from annotations.models import Adjudication, AdjudicationMethod, Claim, ClaimOrigin, ClaimStatus, Membership, Role
from annotations.services import work
from annotations.services.adjudication import adjudication_decide
from tests.conftest import BODY

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:annotations_claim_changelist")


def _claim(article, text: str) -> Claim:
    start = BODY.index(text)
    return Claim.objects.create(
        article=article, start=start, end=start + len(text), quote=text,
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )


@pytest.fixture
def three(project, article, claim, users, verdicts, django_user_model) -> dict:
    """A 2–1 majority, a 1–1 tie, and a claim a reviewer already adjudicated."""
    carol = django_user_model.objects.create_user(username="carol", password="pw")
    Membership.objects.create(user=carol, project=project, role=Role.ANNOTATOR)
    tie = _claim(article, "JD Vance a affirmé dimanche")
    done = _claim(article, "Le sommet a eu lieu le 15 août 2025 à Anchorage.")
    for user, code in ((users["alice"], "refuted"), (users["bob"], "supported"), (carol, "refuted")):
        work.annotation_save(claim=claim, annotator=user, verdict=verdicts[code])
    work.annotation_save(claim=tie, annotator=users["alice"], verdict=verdicts["supported"])
    work.annotation_save(claim=tie, annotator=users["bob"], verdict=verdicts["misleading"])
    work.annotation_save(claim=done, annotator=users["alice"], verdict=verdicts["supported"])
    work.annotation_save(claim=done, annotator=users["bob"], verdict=verdicts["refuted"])
    adjudication_decide(claim=done, by=users["rita"], verdict=verdicts["conflicting"])
    return {"majority": claim, "tie": tie, "done": done, "carol": carol}


def _act(client, claims) -> object:
    return client.post(
        CHANGELIST, {"action": "accept_majority", "_selected_action": [c.pk for c in claims]}, follow=True
    )


def test_it_accepts_majorities_and_lists_the_ties(client, rita, three, verdicts):
    client.force_login(rita)
    page = client.get(CHANGELIST)
    assert "accept_majority" in dict(page.context["action_form"].fields["action"].choices)
    response = _act(client, [three["majority"], three["tie"], three["done"]])
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Accepted the majority verdict for 1 claim(s)." in texts
    (refused,) = [t for t in texts if t.startswith("Not accepted")]
    assert f"#{three['tie'].pk}" in refused and "tied" in refused and "Supported (1)" in refused
    assert f"#{three['majority'].pk}" not in refused
    (already,) = [t for t in texts if t.startswith("Already adjudicated")]
    assert f"#{three['done'].pk}" in already
    majority = Adjudication.objects.get(claim=three["majority"])
    assert (majority.verdict, majority.method, majority.adjudicator) == (
        verdicts["refuted"], AdjudicationMethod.MAJORITY, rita
    )
    assert set(majority.agrees_with.values_list("username", flat=True)) == {"alice", "carol"}
    assert not Adjudication.objects.filter(claim=three["tie"]).exists()
    assert Adjudication.objects.get(claim=three["done"]).verdict == verdicts["conflicting"]  # untouched


def test_the_history_of_the_decision_is_visible(client, rita, three):
    client.force_login(rita)
    _act(client, [three["majority"]])
    adjudication = Adjudication.objects.get(claim=three["majority"])
    history = client.get(reverse("admin:annotations_adjudication_history", args=[adjudication.pk]))
    assert history.status_code == 200
    assert "rita" in history.content.decode()
    claim_history = client.get(reverse("admin:annotations_claim_history", args=[three["majority"].pk]))
    assert claim_history.status_code == 200


def test_staff_without_the_reviewer_role_cannot_use_it(client, alice, charlie, three):
    for person in (alice, charlie):
        person.is_staff = True
        person.save()
        client.force_login(person)
        page = client.get(CHANGELIST)
        form = page.context["action_form"]  # None when no action is offered at all
        choices = dict(form.fields["action"].choices) if form is not None else {}
        assert "accept_majority" not in choices
        _act(client, [three["majority"]])
    assert not Adjudication.objects.filter(claim=three["majority"]).exists()


def test_a_reviewer_of_another_project_cannot_reach_these_claims(client, three, django_user_model):
    from annotations.models import Project
    from annotations.services.projects import default_scheme

    olga = django_user_model.objects.create_user(username="olga", password="pw", is_staff=True)
    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    Membership.objects.create(user=olga, project=other, role=Role.REVIEWER)
    client.force_login(olga)
    _act(client, [three["majority"]])
    assert not Adjudication.objects.filter(claim=three["majority"]).exists()


def test_overriding_an_automatic_decision_in_the_admin_needs_notes(client, rita, claim, users, verdicts):
    work.annotation_save(claim=claim, annotator=users["alice"], verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=users["bob"], verdict=verdicts["supported"])
    auto = Adjudication.objects.get()
    client.force_login(rita)
    change = reverse("admin:annotations_adjudication_change", args=[auto.pk])
    form = {"verdict": verdicts["refuted"].pk, "method": AdjudicationMethod.ADJUDICATED, "notes": "",
            "expected_version": 1}
    refused = client.post(change, form)
    assert refused.status_code == 200 and "Give a reason" in refused.content.decode()
    assert Adjudication.objects.get().method == AdjudicationMethod.UNANIMOUS
    done = client.post(change, {**form, "notes": "The quote is out of context."})
    assert done.status_code == 302
    changed = Adjudication.objects.get()
    assert (changed.verdict, changed.adjudicator, changed.version) == (verdicts["refuted"], rita, 2)
