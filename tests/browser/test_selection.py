"""Selecting text in a real Chromium makes a claim at the right code-point offsets, even after
an emoji (two UTF-16 units, one code point); then the keyboard does the rest of the work."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, Claim, ClaimRelation, Evidence
from tests.browser.conftest import log_in, screenshot, settled
from tests.conftest import BODY
from tests.ui.fixtures_article import claim_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SENTENCE = "Le sommet a eu lieu le 15 août 2025 à Anchorage."


def text_rect(page, needle: str, which: str) -> dict:
    """The on-screen box of the first or last character of `needle` in the article body."""
    return page.evaluate(
        """([needle, which]) => {
            const body = document.getElementById("article-body");
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(needle);
                if (at < 0) continue;
                const range = document.createRange();
                const i = which === "first" ? at : at + needle.length - 1;
                range.setStart(node, i); range.setEnd(node, i + 1);
                const r = range.getBoundingClientRect();
                return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
            }
            return null;
        }""",
        [needle, which],
    )


def test_a_mouse_selection_after_an_emoji_makes_a_claim_at_code_point_offsets(
    page, live_server, article, alice
):
    assert BODY.index("🙂") < BODY.index(SENTENCE)
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    first, last = text_rect(page, SENTENCE, "first"), text_rect(page, SENTENCE, "last")
    y0 = (first["top"] + first["bottom"]) / 2
    y1 = (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y0)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, y1, steps=5)
    page.mouse.move(last["right"] - 1, y1, steps=5)
    page.mouse.up()
    page.wait_for_function("() => !document.getElementById('make-claim').disabled")
    assert page.input_value("#claim-create-form input[name=quote]") == SENTENCE
    # The browser counts the emoji as two units; the form carries Python's offsets.
    start = BODY.index(SENTENCE)
    assert page.input_value("#claim-create-form input[name=start]") == str(start)
    page.keyboard.press("c")
    page.wait_for_selector("#claim-panel[data-claim-id]")
    claim = Claim.objects.get(article=article)
    assert (claim.start, claim.end, claim.quote) == (start, start + len(SENTENCE), SENTENCE)
    assert claim.quote == BODY[claim.start : claim.end]
    # The new claim is highlighted in the text, and the selection is gone.
    assert page.locator(f'#article-body mark[data-claim="{claim.pk}"]').inner_text() == SENTENCE
    assert page.evaluate("() => window.getSelection().isCollapsed")


def test_a_keyboard_selection_makes_a_claim_too(page, live_server, article, alice):
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    # Put the caret just after the emoji and its space (as a click would), then select by key.
    page.evaluate(
        """(needle) => {
            const body = document.getElementById("article-body");
            const node = document.createTreeWalker(body, NodeFilter.SHOW_TEXT).nextNode();
            body.focus();
            window.getSelection().collapse(node, node.data.indexOf(needle));
        }""",
        "Le sommet",
    )
    for _ in range(len("Le sommet")):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")  # and one more word: " a"
    page.wait_for_function("() => !document.getElementById('make-claim').disabled")
    page.keyboard.press("c")
    page.wait_for_selector("#claim-panel[data-claim-id]")
    claim = Claim.objects.get(article=article)
    assert claim.quote == "Le sommet a"
    assert claim.start == BODY.index("Le sommet a") and claim.quote == BODY[claim.start : claim.end]


def test_alice_judges_evidences_and_links_a_claim_with_the_keyboard_bob_sees_none_of_it(
    page, live_server, project, article, claim, alice, bob, verdicts
):
    other_article = type(article).objects.create(
        project=project, title="Vance à NBC", body="JD Vance évoque d'importantes concessions russes.",
        body_hash="x" * 64, language="fr",
    )
    vance = claim_on(other_article, "JD Vance évoque d'importantes concessions russes.")
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.keyboard.press("j")  # the first claim
    page.wait_for_selector(f'#claim-panel[data-claim-id="{claim.pk}"]')
    settled(page)  # its forms are live: the verdict key posts with htmx
    assert "claim=" in page.url
    assert page.locator(f'#article-body mark.focus[data-claim="{claim.pk}"]').count() == 1
    page.fill("#claim-panel textarea[name=rationale]", "Lavrov l'a dit à Moscou.")
    page.locator("#claim-panel textarea[name=rationale]").press("Escape")
    page.keyboard.press("2")  # Refuted: saved at once, with the rationale
    page.wait_for_selector("#claim-panel .msg.success")
    settled(page)
    annotation = Annotation.objects.get(claim=claim, annotator=alice)
    assert annotation.verdict == verdicts["refuted"] and annotation.rationale == "Lavrov l'a dit à Moscou."
    page.keyboard.press("e")  # evidence: the stance first (none is chosen for you)
    page.keyboard.press("3")  # context
    page.keyboard.press("Tab")  # on to the URL field
    page.keyboard.type("https://www.mid.ru/fr/conference")
    page.keyboard.press("Enter")
    page.wait_for_selector("#claim-panel .evidence-list li")
    settled(page)  # the new panel's search field is live
    assert Evidence.objects.get(claim=claim).url == "https://www.mid.ru/fr/conference"
    page.keyboard.press("l")  # link: search the project's claims
    page.keyboard.type("concessions")
    page.wait_for_selector(f'#claim-panel button[name=target][value="{vance.pk}"]')
    page.keyboard.press("Enter")  # to the first result
    page.keyboard.press("Enter")  # link it
    page.wait_for_selector("#claim-panel .relation-list li")
    assert ClaimRelation.objects.filter(kind="same").count() == 1
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "article-page-alice")
    page.set_viewport_size({"width": 768, "height": 1000})
    screenshot(page, "article-page-alice-768")
    page.click("#logout")
    page.wait_for_load_state()

    log_in(page, live_server.url, "bob", "pw-bob")
    page.goto(f"{live_server.url}/articles/{article.pk}/?claim={claim.pk}")
    html = page.content()
    assert "Lavrov l'a dit à Moscou." not in html and "mid.ru" not in html
    assert page.locator("#claim-panel .verdict-chip").count() == 0


def test_suggestions_are_accepted_with_a_key_and_the_guidelines_are_one_key_away(
    page, live_server, project, article, alice
):
    project.guidelines = "## Ce qu'on marque\n\nLes *affirmations* vérifiables."
    project.save()
    suggestion = claim_on(article, "JD Vance a affirmé dimanche", status="candidate",
                          origin="suggested", score=0.91, kind="attributed_statement")
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    assert page.locator(f'#article-body mark.candidate[data-claim="{suggestion.pk}"]').count() == 1
    page.locator(f'#article-body mark[data-claim="{suggestion.pk}"]').click()  # opens it
    page.wait_for_selector(f'#claim-panel[data-claim-id="{suggestion.pk}"]')
    settled(page)
    page.keyboard.press("a")
    page.wait_for_selector("#claim-panel #annotation-form")
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_by == alice
    assert page.locator(f'#article-body mark.accepted[data-claim="{suggestion.pk}"]').count() == 1
    page.keyboard.press("g")
    page.keyboard.press("g")
    assert page.locator("#guidelines").is_visible()
    assert page.locator("#guidelines em").inner_text() == "affirmations"
    page.keyboard.press("Escape")
    assert not page.locator("#guidelines").is_visible()
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    assert "Make the selected text a claim" in page.locator("#help").inner_text()
