"""The adjudication page: one claim in context, everyone's work side by side, and the decision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Evidence,
    Membership,
    Role,
    body_hash,
)
from annotations.services import work
from annotations.services.adjudication import adjudication_decide
from tests.conftest import BODY

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def disputed(claim, alice, bob, verdicts) -> dict:
    """Alice says refuted with evidence, Bob says supported with evidence: a disagreement."""
    work.annotation_save(
        claim=claim, annotator=alice, verdict=verdicts["refuted"], confidence=4,
        rationale="Lavrov a dit le contraire.",
    )
    work.annotation_save(
        claim=claim, annotator=bob, verdict=verdicts["supported"], confidence=2,
        rationale="C'est ce que rapporte l'AFP.",
    )
    refutes = work.evidence_add(
        claim=claim, by=alice, stance="refutes", url="https://example.org/lavrov", title="Lavrov",
    )
    supports = work.evidence_add(
        claim=claim, by=bob, stance="supports", url="https://example.org/afp", title="AFP",
    )
    return {"claim": claim, "refutes": refutes, "supports": supports}


def page(claim: Claim) -> str:
    return reverse("ui:adjudicate", args=[claim.pk])


def test_a_reviewer_sees_every_annotation_side_by_side_with_context(client_for, rita, disputed):
    response = client_for(rita).get(page(disputed["claim"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lavrov a dit le contraire." in html and "rapporte l&#x27;AFP" in html
    assert ">alice<" in html and ">bob<" in html
    assert 'name="gold" value="%d"' % disputed["refutes"].pk in html
    assert 'data-hotkey="g 1"' in html and 'data-hotkey="g 2"' in html
    assert 'data-hotkey="1"' in html  # the scheme's verdict hotkeys
    assert "Tied between" in html
    assert 'mark class="claim-quote">' + disputed["claim"].quote in html
    assert "JD Vance a affirmé" in html  # text after the quote, for context
    review = response.context["review"]
    assert [w.who for w in review.work] == ["alice", "bob"]
    assert len(review.history) == 4  # two annotations and two evidence created


def test_a_manager_may_adjudicate_too(client_for, max_, disputed):
    assert client_for(max_).get(page(disputed["claim"])).status_code == 200


@pytest.mark.parametrize("name, status", [("alice", 403), ("rhea", 403), ("charlie", 404)])
def test_others_are_refused(client_for, users, disputed, name, status):
    client = client_for(users[name])
    assert client.get(page(disputed["claim"])).status_code == status
    response = client.post(page(disputed["claim"]), {"action": "majority"})
    assert response.status_code == status
    assert not Adjudication.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, disputed):
    response = client.get(page(disputed["claim"]))
    assert response.status_code == 302 and reverse("ui:login") in response["Location"]
    assert client.post(page(disputed["claim"]), {"action": "majority"}).status_code == 302
    assert not Adjudication.objects.exists()


def test_a_missing_claim_is_a_404(client_for, rita):
    assert client_for(rita).get(reverse("ui:adjudicate", args=[999999])).status_code == 404


def test_adjudicating_records_verdict_gold_and_note_then_goes_to_the_next_disagreement(
    client_for, rita, disputed, article, alice, bob, verdicts
):
    start = BODY.index("JD Vance")
    end = BODY.index("concessions.") + len("concessions.")
    second = Claim.objects.create(
        article=article, start=start, end=end, quote=BODY[start:end],
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )
    work.annotation_save(claim=second, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=second, annotator=bob, verdict=verdicts["misleading"])
    response = client_for(rita).post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["refuted"].pk,
        "gold": [disputed["refutes"].pk], "note": "Lavrov's words are on record.",
        "version": "", "filter": "disagreements",
    })
    assert response.status_code == 302
    assert response["Location"] == page(second) + "?filter=disagreements"
    adjudication = Adjudication.objects.get(claim=disputed["claim"])
    assert (adjudication.verdict, adjudication.method, adjudication.adjudicator) == (
        verdicts["refuted"], AdjudicationMethod.ADJUDICATED, rita
    )
    assert list(adjudication.gold_evidence.all()) == [disputed["refutes"]]
    assert list(adjudication.agrees_with.all()) == [alice]
    assert adjudication.notes == "Lavrov's words are on record."


def test_the_last_claim_goes_back_to_the_queue(client_for, rita, disputed, verdicts):
    response = client_for(rita).post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["refuted"].pk, "filter": "pending",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:review_queue", args=["test"]) + "?filter=pending"


def test_accept_majority_refuses_a_tie_with_a_message(client_for, rita, disputed):
    response = client_for(rita).post(page(disputed["claim"]), {"action": "majority"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no majority" in html and "Supported (1)" in html
    assert not Adjudication.objects.exists()


def test_accept_majority_takes_the_majority(client_for, rita, disputed, verdicts, django_user_model, project):
    carol = django_user_model.objects.create_user(username="carol", password="pw")
    Membership.objects.create(user=carol, project=project, role=Role.ANNOTATOR)
    work.annotation_save(claim=disputed["claim"], annotator=carol, verdict=verdicts["refuted"])
    response = client_for(rita).post(page(disputed["claim"]), {"action": "majority"})
    assert response.status_code == 302
    adjudication = Adjudication.objects.get()
    assert (adjudication.verdict, adjudication.method) == (verdicts["refuted"], AdjudicationMethod.MAJORITY)


def test_bad_input_names_the_field_and_changes_nothing(client_for, rita, disputed, verdicts):
    client = client_for(rita)
    no_verdict = client.post(page(disputed["claim"]), {"action": "adjudicate", "note": "kept"})
    assert no_verdict.status_code == 400
    assert "Choose the final verdict." in no_verdict.content.decode()
    assert ">kept</textarea>" in no_verdict.content.decode()
    other = Evidence.objects.create(
        claim=Claim.objects.create(
            article=disputed["claim"].article, start=0, end=2, quote=BODY[:2],
            origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
        ),
        added_by=rita, url="https://example.org/x", stance="context",
    )
    foreign_gold = client.post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["refuted"].pk, "gold": [other.pk],
    })
    assert foreign_gold.status_code == 400
    assert "gold" in foreign_gold.context["form"].errors
    assert not Adjudication.objects.exists()


def test_overriding_needs_a_reason_and_a_stale_version_says_so(client_for, rita, max_, disputed, verdicts):
    adjudication_decide(claim=disputed["claim"], by=rita, verdict=verdicts["refuted"])
    client = client_for(rita)
    shown = client.get(page(disputed["claim"]))
    assert 'name="version" value="1"' in shown.content.decode()
    assert "Reason for overriding (required)" in shown.content.decode()
    no_reason = client.post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["supported"].pk, "version": 1,
    })
    assert no_reason.status_code == 400
    assert "Give a reason" in no_reason.content.decode()
    # Max overrides meanwhile; Rita's page still says version 1.
    client_for(max_).post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["misleading"].pk, "version": 1,
        "note": "Both sides are cherry-picked.",
    })
    stale = client.post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["supported"].pk, "version": 1, "note": "AFP",
    })
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Someone else adjudicated this claim meanwhile" in html
    assert 'name="version" value="2"' in html  # submitting again is a deliberate override
    assert ">AFP</textarea>" in html
    current = Adjudication.objects.get()
    assert (current.verdict, current.adjudicator, current.version) == (verdicts["misleading"], max_, 2)
    history = stale.context["review"].history
    assert any("Both sides are cherry-picked." in h.reason for h in history)
    again = client.post(page(disputed["claim"]), {
        "action": "adjudicate", "verdict": verdicts["supported"].pk, "version": 2, "note": "AFP",
    })
    assert again.status_code == 302
    assert Adjudication.objects.get().verdict == verdicts["supported"]


def test_user_text_is_escaped(client_for, rita, claim, alice, bob, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], rationale=XSS)
    work.evidence_add(claim=claim, by=alice, stance="refutes", url="https://example.org/?q=<b>", title=XSS, passage=XSS)
    Evidence.objects.create(claim=claim, added_by=bob, url="javascript:alert(1)", stance="context")
    adjudication_decide(claim=claim, by=rita, verdict=verdicts["refuted"], note=XSS)
    html = client_for(rita).get(page(claim)).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_the_page_runs_a_bounded_number_of_queries(client_for, rita, disputed, project, verdicts, django_user_model, django_assert_max_num_queries):
    client = client_for(rita)
    client.get(page(disputed["claim"]))  # warm the session
    with django_assert_max_num_queries(16):
        client.get(page(disputed["claim"]))
    for i in range(8):
        person = django_user_model.objects.create_user(username=f"extra{i}", password="pw")
        Membership.objects.create(user=person, project=project, role=Role.ANNOTATOR)
        work.annotation_save(claim=disputed["claim"], annotator=person, verdict=verdicts["conflicting"])
        work.evidence_add(claim=disputed["claim"], by=person, stance="context", url=f"https://example.org/{i}")
    adjudication_decide(claim=disputed["claim"], by=rita, verdict=verdicts["conflicting"],
                        gold_evidence=Evidence.objects.filter(claim=disputed["claim"]))
    with django_assert_max_num_queries(16):
        response = client.get(page(disputed["claim"]))
    assert len(response.context["review"].work) == 10


def test_a_blind_annotator_sees_only_their_own_work_in_the_review_data(alice, rita, rhea, disputed, project, verdicts):
    from annotations import selectors
    from annotations.pseudonyms import pseudonym

    mine = selectors.claim_review(alice, disputed["claim"].pk)
    assert [w.who for w in mine.work] == ["alice"]
    assert [e.pk for e in mine.all_evidence] == [disputed["refutes"].pk]
    assert {h.subject.split(" ")[-1].strip("()") for h in mine.history} == {"alice"}
    assert not mine.can_adjudicate
    project.blind = False
    project.save()
    assert [w.who for w in selectors.claim_review(alice, disputed["claim"].pk).work] == ["alice", "bob"]
    # Researchers see work on adjudicated claims only, under pseudonyms unless names are allowed.
    assert selectors.claim_review(rhea, disputed["claim"].pk).work == ()
    adjudication_decide(claim=disputed["claim"], by=rita, verdict=verdicts["refuted"])
    seen = selectors.claim_review(rhea, disputed["claim"].pk)
    salt = project.pseudonym_salt
    assert [w.who for w in seen.work] == [pseudonym(salt, disputed["claim"].annotations.get(annotator__username=n).annotator_id) for n in ("alice", "bob")]
    assert seen.adjudicator == pseudonym(salt, rita.pk)
    assert "alice" not in {h.who for h in seen.history} | {h.subject for h in seen.history}
    project.show_annotator_names = True
    project.save()
    assert [w.who for w in selectors.claim_review(rhea, disputed["claim"].pk).work] == ["alice", "bob"]


def test_an_unanimous_claim_shows_the_automatic_decision_and_its_history(client_for, rita, claim, alice, bob, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    response = client_for(rita).get(page(claim))
    html = response.content.decode()
    assert "Unanimous (auto-accepted)" in html
    assert "Override the final verdict" in html
    entries = [h for h in response.context["review"].history if h.kind == "adjudication"]
    assert [(h.who, h.action) for h in entries] == [("automatic", "created")]


def test_annotations_without_verdicts_do_not_count(client_for, rita, claim, alice, verdicts):
    Annotation.objects.create(claim=claim, annotator=alice, verdict=None, rationale="draft")
    review = client_for(rita).get(page(claim)).context["review"]
    assert review.counts == () and review.majority is None


def test_another_projects_claim_is_not_found(client_for, rita, django_user_model):
    from annotations.models import Project
    from annotations.services.projects import default_scheme

    elsewhere = Project.objects.create(name="E", slug="elsewhere", scheme=default_scheme())
    text = "Un texte ailleurs."
    other_article = Article.objects.create(project=elsewhere, body=text, body_hash=body_hash(text))
    other = Claim.objects.create(article=other_article, start=0, end=5, quote=text[:5],
                                 origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
    assert client_for(rita).get(page(other)).status_code == 404
