"""A reviewer adjudicates a disagreement in a real Chromium, with the keyboard only."""

from __future__ import annotations

import pytest

from annotations.models import Adjudication, AdjudicationMethod
from annotations.services import work
from tests.browser.conftest import log_in

# serialized_rollback: the flush after each test would drop the default scheme the migrations made.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_rita_settles_alice_and_bobs_disagreement_with_the_keyboard(
    page, live_server, claim, alice, bob, rita, verdicts
):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], rationale="Lavrov dit non.")
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"], rationale="Selon l'AFP.")
    alices = work.evidence_add(claim=claim, by=alice, stance="refutes", url="https://example.org/lavrov", title="Lavrov")
    work.evidence_add(claim=claim, by=bob, stance="supports", url="https://example.org/afp", title="AFP")
    log_in(page, live_server.url, "rita", "pw-rita")
    page.goto(f"{live_server.url}/p/test/review/")
    assert page.locator("[data-review-row]").count() == 1

    page.keyboard.press("j")  # select the first disagreement
    assert page.locator("tr.selected").count() == 1
    page.keyboard.press("Enter")  # open it
    page.wait_for_url(f"**/claims/{claim.pk}/adjudicate/**")
    assert page.locator(".annotation").count() == 2

    page.keyboard.press("2")  # the scheme's hotkey for Refuted
    page.wait_for_function("() => !document.activeElement.matches('input')")
    assert page.locator(f"input[name=verdict][value='{verdicts['refuted'].pk}']").is_checked()
    page.keyboard.press("g")
    page.keyboard.press("1")  # the first evidence, Alice's, is gold
    assert page.locator(f"input[name=gold][value='{alices.pk}']").is_checked()
    page.wait_for_function("() => !document.activeElement.matches('input')")  # hotkeys work again
    page.keyboard.press("n")  # write the note
    page.wait_for_function("() => document.activeElement.id === 'note'")
    page.keyboard.type("Lavrov is on record: the position is unchanged.")
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # adjudicate
    page.wait_for_url("**/p/test/review/?filter=disagreements")
    assert "Claim #%d adjudicated: Refuted" % claim.pk in page.inner_text(".messages")
    assert page.locator("[data-review-row]").count() == 0

    adjudication = Adjudication.objects.get(claim=claim)
    assert (adjudication.verdict, adjudication.method, adjudication.adjudicator) == (
        verdicts["refuted"], AdjudicationMethod.ADJUDICATED, rita
    )
    assert list(adjudication.gold_evidence.all()) == [alices]
    assert list(adjudication.agrees_with.all()) == [alice]
    assert adjudication.notes == "Lavrov is on record: the position is unchanged."


def test_accept_majority_on_a_tie_is_disabled_with_the_reason(page, live_server, claim, alice, bob, verdicts):
    """A button that could only fail is not offered: disabled, the reason beside it, `m` does nothing."""
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    log_in(page, live_server.url, "rita", "pw-rita")
    page.set_viewport_size({"width": 768, "height": 900})  # the tablet layout works too
    page.goto(f"{live_server.url}/claims/{claim.pk}/adjudicate/")
    assert page.is_disabled("#accept-majority")
    assert "there is no majority" in page.inner_text("#majority-refusal")
    url = page.url
    page.keyboard.press("m")
    page.wait_for_load_state()
    assert page.url == url and not Adjudication.objects.exists()
