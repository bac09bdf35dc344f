"""The reading view in Chromium: a readable body whose selections still give exact offsets,
suggestions hidden, filtered and decided in bulk with one undo, one's own claim deleted and
restored, the warning before a stray claim, and the evidence stance by keyboard."""

from __future__ import annotations

import pytest

from annotations.models import Article, Claim, ClaimBatch, ClaimOrigin, ClaimStatus, Evidence, body_hash
from tests.browser.conftest import log_in, screenshot, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEXT = (
    "\n\n\n\n## L'accord qui n'a jamais eu lieu\n\n"
    "Lavrov a dit que la position restait *inchangée*. 🙂 Vance a parlé de **concessions**.\n\n"
    "*Felix Abt*\n\n"
    "Le sommet a eu lieu le 15 août à Anchorage. Il a duré trois heures.\n"
)
SENTENCE = "Vance a parlé de **concessions**."


@pytest.fixture
def doc(project) -> Article:
    return Article.objects.create(project=project, title="Anchorage", body=TEXT, body_hash=body_hash(TEXT),
                                  language="fr")


def on(article: Article, text: str, **fields) -> Claim:
    start = article.body.index(text)
    fields.setdefault("origin", ClaimOrigin.SUGGESTED)
    fields.setdefault("status", ClaimStatus.CANDIDATE)
    return Claim.objects.create(article=article, start=start, end=start + len(text), quote=text, **fields)


def char_rect(page, index: int) -> dict:
    """The on-screen box of the body's character at a Python index (the DOM counts UTF-16)."""
    units = len(TEXT[:index].encode("utf-16-le")) // 2
    return page.evaluate(
        """(units) => {
            const walker = document.createTreeWalker(document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (units < node.data.length) {
                    const range = document.createRange();
                    range.setStart(node, units); range.setEnd(node, units + 1);
                    const r = range.getBoundingClientRect();
                    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
                }
                units -= node.data.length;
            }
            return null;
        }""",
        units,
    )


def drag(page, first: dict, last: dict) -> None:
    """Select with the mouse from the first box's left edge to the last box's right edge."""
    y0, y1 = (first["top"] + first["bottom"]) / 2, (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y0)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(last["right"] - 1, y1, steps=5)
    page.mouse.up()
    page.wait_for_function("() => !document.getElementById('make-claim').disabled")


def status_of(claim: Claim) -> str:
    return Claim.objects.get(pk=claim.pk).status


def test_the_body_reads_as_paragraphs_and_a_selection_keeps_its_offsets(page, live_server, doc, alice):
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{doc.pk}/")
    # Sans-serif, a heading, emphasis; the leading blank lines are in the DOM but not shown.
    font = page.evaluate("() => getComputedStyle(document.getElementById('article-body')).fontFamily")
    assert "serif" not in font.replace("sans-serif", "") and "sans-serif" in font
    assert page.locator("#article-body h3.heading").inner_text().endswith("L'accord qui n'a jamais eu lieu")
    assert page.locator("#article-body em", has_text="Felix Abt").is_visible()
    assert not page.locator("#article-body .gap").first.is_visible()
    assert page.evaluate("() => document.getElementById('article-body').textContent.length") == len(TEXT) + 1  # 🙂: 2 units
    # A mouse selection after the markers and the emoji gives Python's offsets.
    start = TEXT.index(SENTENCE)
    drag(page, char_rect(page, start), char_rect(page, start + len(SENTENCE) - 1))
    assert page.input_value("#claim-create-form input[name=quote]") == SENTENCE
    assert page.input_value("#claim-create-form input[name=start]") == str(TEXT.index(SENTENCE))
    page.keyboard.press("c")
    page.wait_for_selector("#claim-panel[data-claim-id]")
    claim = Claim.objects.get(article=doc)
    assert (claim.start, claim.end, claim.quote) == (TEXT.index(SENTENCE), TEXT.index(SENTENCE) + len(SENTENCE), SENTENCE)
    screenshot(page, "reading-view")


def test_suggestions_are_hidden_filtered_and_decided_in_bulk_with_one_undo(page, live_server, doc, alice):
    high = on(doc, "Lavrov a dit que la position restait *inchangée*.", score=0.9)
    mid = on(doc, "Le sommet a eu lieu le 15 août à Anchorage.", score=0.7)
    low = on(doc, "Il a duré trois heures.", score=0.2)
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{doc.pk}/")
    marked = page.evaluate(
        "() => new Set(Array.from(document.querySelectorAll('#article-body mark.candidate')).map(m => m.dataset.claim)).size")
    assert marked == 3  # a claim crossing styled text is several marks, one claim
    # h hides them all, and shows them again.
    page.locator("#article-body").focus()
    page.keyboard.press("h")
    assert "suggestions=hidden" in page.url
    assert not page.locator(f'#claim-row-{high.pk}').is_visible()
    page.keyboard.press("h")
    assert page.locator(f'#claim-row-{high.pk}').is_visible()
    # The slider hides those below 0.5, and the URL keeps it across a reload.
    page.evaluate("""() => {
        const range = document.getElementById("min-score");
        range.value = "0.5";
        range.dispatchEvent(new Event("input", {bubbles: true}));
    }""")
    assert "min_score=0.50" in page.url
    page.reload()
    assert page.locator("#min-score-value").inner_text() == "0.50"
    assert not page.locator(f"#claim-row-{low.pk}").is_visible()
    assert page.locator(f"#claim-row-{mid.pk}").is_visible()
    assert page.locator("#shown-count").inner_text() == "shown: 2 of 3"
    screenshot(page, "reading-suggestions-filtered")
    # Accept the two shown at once; one key undoes both.
    page.click("#bulk-form button[value=accept_above]")
    page.wait_for_selector("#claim-panel .msg.success")
    settled(page)
    assert "2 suggestions accepted." in page.locator("#claim-panel .msg.success").inner_text()
    assert [status_of(c) for c in (high, mid, low)] == ["accepted", "accepted", "candidate"]
    assert page.locator(f'#article-body mark.accepted[data-claim="{high.pk}"]').count() >= 1
    page.keyboard.press("z")
    page.wait_for_selector("#claim-panel .msg.success >> text=Undone.")
    assert [status_of(c) for c in (high, mid, low)] == ["candidate"] * 3
    batch = ClaimBatch.objects.get()
    assert batch.undone_at is not None
    # Tick one suggestion and reject it.
    settled(page)
    page.check(f'#claim-row-{mid.pk} input.pick')
    page.click("#bulk-form button[value=reject_selected]")
    page.wait_for_selector("#claim-panel .msg.success >> text=1 suggestion rejected.")
    assert [status_of(c) for c in (high, mid, low)] == ["candidate", "rejected", "candidate"]


def test_an_author_deletes_a_claim_with_a_key_and_undoes_it(page, live_server, doc, alice):
    mine = on(doc, "Il a duré trois heures.", origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
              created_by=alice)
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{doc.pk}/?claim={mine.pk}")
    settled(page)
    page.keyboard.press("Delete")
    page.wait_for_selector("#claim-panel .msg.success >> text=Claim deleted.")
    assert not Claim.objects.filter(pk=mine.pk).exists()
    assert page.locator(f'#article-body mark[data-claim="{mine.pk}"]').count() == 0
    settled(page)
    page.keyboard.press("z")
    page.wait_for_selector(f'#claim-panel[data-claim-id="{mine.pk}"]')
    assert Claim.objects.filter(pk=mine.pk).exists()
    assert page.locator(f'#article-body mark[data-claim="{mine.pk}"]').count() == 1


def test_a_selection_across_paragraphs_asks_first(page, live_server, doc, alice):
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{doc.pk}/")
    first = char_rect(page, TEXT.index("Vance a parlé"))
    last = char_rect(page, TEXT.index("Le sommet a eu") + len("Le sommet a eu") - 1)
    drag(page, first, last)
    page.keyboard.press("c")
    page.wait_for_selector("#selection-flash [data-claim-confirm]")
    assert "crosses a paragraph break" in page.locator("#selection-flash").inner_text()
    screenshot(page, "reading-claim-warning")
    page.keyboard.press("Escape")  # cancel: nothing made, the warning gone
    page.wait_for_selector("#selection-flash [data-claim-confirm]", state="detached")
    assert not Claim.objects.exists()
    drag(page, first, last)
    page.keyboard.press("c")
    page.wait_for_selector("#selection-flash [data-claim-confirm]")
    page.wait_for_function("() => document.activeElement && document.activeElement.hasAttribute('data-claim-confirm')")
    page.keyboard.press("Enter")  # confirm
    page.wait_for_selector("#claim-panel[data-claim-id]")
    claim = Claim.objects.get()
    assert claim.quote == TEXT[claim.start:claim.end] and "\n\n" in claim.quote


def test_the_stance_is_chosen_by_keyboard_and_required(page, live_server, doc, alice):
    mine = on(doc, "Il a duré trois heures.", origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
              created_by=alice)
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{doc.pk}/?claim={mine.pk}")
    settled(page)
    page.keyboard.press("e")  # lands on the stance, none chosen
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'stance'")
    assert page.locator("#evidence-form input[name=stance]:checked").count() == 0
    page.keyboard.press("Tab")
    page.keyboard.type("https://example.org/source")
    page.keyboard.press("Enter")  # refused by the form: no stance yet
    page.wait_for_timeout(300)  # nothing to wait for: the request must not leave
    assert not Evidence.objects.exists()
    page.locator("#evidence-form input[name=stance]").first.focus()
    page.keyboard.press("2")
    assert page.locator("#evidence-form input[name=stance]:checked").get_attribute("value") == "refutes"
    page.click("#evidence-form button[type=submit]")
    page.wait_for_selector("#claim-panel .msg.success >> text=Evidence added.")
    assert Evidence.objects.get().stance == "refutes"
