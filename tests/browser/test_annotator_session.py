"""The annotator's day on the seed corpus, in a real Chromium, driven as a person would.

alice logs in through the form, presses Next (the seed project asks for finding and judging, and
has no claims yet, so Next opens the first article to find claims in), selects a sentence with
the mouse, makes it a claim, judges it with a verdict key, adds an evidence link through the
form, finishes the article, marks Vance's "importantes concessions" (003) and Lavrov's
"inchangée" (004), links them, sees them side by side on the cluster page and logs out. bob then
logs in, presses Next, is handed alice's claim to judge, and finds none of her work on the page,
in its source or in the panel partial. The database is checked after each step.
"""

from __future__ import annotations

import re

import pytest

from annotations.models import (
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Project,
    RelationKind,
    Stance,
)
from annotations.services.seeds import PROJECT_NAME, PROJECT_SLUG, seeds_load
from tests.browser.conftest import log_in, log_out, screenshot, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "workbench-demo"
FIRST_SENTENCE = "Moscou était prêt, mais Washington s'est retiré au dernier moment, laissant l'accord échouer."
VANCE = (
    "Dans une déclaration explosive qui fait trembler les chancelleries mondiales, le vice-président "
    "américain JD Vance vient de révéler que la Russie a fait d' »importantes concessions » au "
    "président Donald Trump pour la première fois depuis le début du conflit ukrainien."
)
LAVROV = (
    "S’exprimant lors d’une conférence de presse à Moscou le 21 octobre, Lavrov a souligné que la "
    "position de la Russie, y compris l’exigence de parvenir à un accord de paix avant un "
    "cessez-le-feu, restait totalement inchangée."
)
RATIONALE = "Le Kremlin a démenti tout accord sur Zaporijia le 8 novembre."
EVIDENCE_URL = "https://www.reuters.com/world/kremlin-denies-zaporizhzhia-deal-2025-11-08/"
EVIDENCE_TITLE = "Kremlin denies any Zaporizhzhia ceasefire deal"


def seed_article(project: Project, prefix: str) -> Article:
    """The seed article whose external id starts with prefix ("000", "003", "004")."""
    return Article.objects.get(project=project, external_id__startswith=prefix)


def select_with_mouse(page, needle: str) -> None:
    """Drag the mouse over `needle` in the article text, as a reader would, once it is in view."""
    find = """([needle, which]) => {
        const body = document.getElementById("article-body");
        const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(needle);
            if (at < 0) continue;
            const range = document.createRange();
            if (which === "all") { range.setStart(node, at); range.setEnd(node, at + needle.length); }
            else {
                const i = which === "first" ? at : at + needle.length - 1;
                range.setStart(node, i); range.setEnd(node, i + 1);
            }
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
        }
        return null;
    }"""
    whole = page.evaluate(find, [needle, "all"])
    assert whole is not None, f"not in the article text: {needle!r}"
    # Bring the passage to the middle of the window: the sticky selection bar covers the top.
    page.evaluate(
        "(y) => window.scrollBy(0, y)",
        (whole["top"] + whole["bottom"]) / 2 - page.viewport_size["height"] / 2,
    )
    whole = page.evaluate(find, [needle, "all"])
    assert whole["top"] > 80 and whole["bottom"] < page.viewport_size["height"], whole
    first, last = page.evaluate(find, [needle, "first"]), page.evaluate(find, [needle, "last"])
    y0, y1 = (first["top"] + first["bottom"]) / 2, (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y0)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(last["right"] - 1, y1, steps=5)
    page.mouse.up()
    # The selection bar shows the whole passage once the last selection change is handled.
    page.wait_for_function(
        """(needle) => document.querySelector("#claim-create-form input[name=quote]").value === needle
            && !document.getElementById("make-claim").disabled""",
        arg=needle,
    )


def notice(page, text: str) -> None:
    """Wait for the claim panel's success message, and for htmx to have settled the new panel."""
    page.wait_for_selector(f'#claim-panel .msg.success:has-text("{text}")')
    settled(page)


def make_claim(page, article: Article, sentence: str) -> Claim:
    """Select the sentence, press c, and return the claim it made (checked against the text)."""
    select_with_mouse(page, sentence)
    assert page.input_value("#claim-create-form input[name=quote]") == sentence
    before = set(Claim.objects.filter(article=article).values_list("pk", flat=True))
    page.keyboard.press("c")
    notice(page, "Claim created.")
    claim = Claim.objects.exclude(pk__in=before).get(article=article)
    start = article.body.index(sentence)
    assert (claim.start, claim.end, claim.quote) == (start, start + len(sentence), sentence)
    assert claim.quote == article.body[claim.start : claim.end]
    assert (claim.status, claim.origin, claim.created_by.username) == (
        ClaimStatus.ACCEPTED, ClaimOrigin.MANUAL, "alice"
    )
    page.wait_for_selector(f'#claim-panel[data-claim-id="{claim.pk}"]')
    assert page.locator(f'#article-body mark.focus[data-claim="{claim.pk}"]').inner_text() == sentence
    assert page.evaluate("() => window.getSelection().isCollapsed")
    return claim


def open_article_from_project_page(page, title_start: str) -> None:
    """Back to the project through the breadcrumbs, then the article by its title."""
    page.click(f'.crumbs a:has-text("{PROJECT_NAME}")')
    page.wait_for_url(f"**/p/{PROJECT_SLUG}/")
    page.locator("#articles a", has_text=title_start).click()
    page.wait_for_url(re.compile(r"/articles/\d+/$"))


def test_alice_works_the_seed_corpus_and_bob_sees_none_of_her_judgement(page, live_server):
    seeds_load(password=PASSWORD)
    project = Project.objects.get(slug=PROJECT_SLUG)
    assert (project.overlap, project.blind, project.task_kind) == (2, True, "both")
    assert not Claim.objects.filter(article__project=project).exists()
    first, vance_article, lavrov_article = (seed_article(project, p) for p in ("000", "003", "004"))
    base = live_server.url

    # alice logs in through the form, lands on her projects and opens the seed project.
    log_in(page, base, "alice", PASSWORD)
    assert page.inner_text(".who") == "alice"
    page.get_by_role("link", name=PROJECT_NAME).click()
    page.wait_for_url(f"**/p/{PROJECT_SLUG}/")

    # Next (n): no claims yet, so the queue hands her the first article to find claims in.
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/articles/{first.pk}/\?assignment=\d+$"))
    finding = Assignment.objects.get(annotator__username="alice")
    assert (finding.article_id, finding.claim_id, finding.status) == (first.pk, None, AssignmentStatus.ASSIGNED)
    assert "find the claims in this article" in page.inner_text(".workbar")

    # A sentence selected with the mouse becomes a claim with the c key.
    claim = make_claim(page, first, FIRST_SENTENCE)

    # A rationale, then a verdict key: saved at once, with the rationale.
    page.click("#claim-panel textarea[name=rationale]")
    page.keyboard.type(RATIONALE)
    page.keyboard.press("Escape")
    page.keyboard.press("2")  # the default scheme's key for Refuted
    notice(page, "Verdict saved.")
    annotation = Annotation.objects.get(claim=claim, annotator__username="alice")
    assert (annotation.verdict.code, annotation.rationale, annotation.version) == ("refuted", RATIONALE, 1)
    assert page.locator("#claim-panel input[name=verdict]:checked").get_attribute("value") == str(annotation.verdict_id)

    # Evidence through the form: e opens it on the stance (none chosen); 2 = Refutes, Tab to the
    # URL, then the title.
    page.keyboard.press("e")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'stance'")
    page.keyboard.press("2")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'url'")
    page.keyboard.type(EVIDENCE_URL)
    page.click("#evidence-form input[name=title]")
    page.keyboard.type(EVIDENCE_TITLE)
    page.click("#evidence-form button[type=submit]")
    notice(page, "Evidence added.")
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.url, evidence.title, evidence.stance, evidence.added_by.username) == (
        EVIDENCE_URL, EVIDENCE_TITLE, Stance.REFUTES, "alice"
    )
    assert page.locator("#claim-panel .evidence-list a").get_attribute("href") == EVIDENCE_URL

    # The article page as she sees it now, at desktop and at tablet width.
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "article-page")
    page.set_viewport_size({"width": 768, "height": 1000})
    page.wait_for_function("() => window.innerWidth === 768")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 768  # no sideways scroll
    screenshot(page, "article-page-768")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function("() => window.innerWidth === 1280")

    # Done with this article (shift+D): the queue moves on to the next one.
    page.keyboard.press("Shift+D")
    page.wait_for_url(re.compile(r"/articles/\d+/\?assignment=\d+$"))
    finding.refresh_from_db()
    assert finding.status == AssignmentStatus.DONE
    assert Assignment.objects.filter(annotator__username="alice", status=AssignmentStatus.ASSIGNED).count() == 1

    # Vance's "importantes concessions" in 003 and Lavrov's "inchangée" in 004, from the project page.
    open_article_from_project_page(page, "JD Vance")
    assert page.url.endswith(f"/articles/{vance_article.pk}/")
    vance = make_claim(page, vance_article, VANCE)
    open_article_from_project_page(page, "Deuxième sommet")
    assert page.url.endswith(f"/articles/{lavrov_article.pk}/")
    lavrov = make_claim(page, lavrov_article, LAVROV)

    # l: search the project's claims, choose the kind of link, link the one found.
    page.keyboard.press("l")
    page.keyboard.type("importantes concessions")
    target = page.locator(f'#claim-panel button[name=target][value="{vance.pk}"]')
    target.wait_for()
    assert page.locator("#claim-panel .search-results li").count() == 1  # not her own, not 000's
    page.select_option("#claim-panel select[name=kind]", RelationKind.CONTRADICTS)
    target.click()
    notice(page, "Claims linked.")
    relation = ClaimRelation.objects.get()
    # "contradicts" is symmetric: stored lower id first, whichever side it was made from.
    assert (relation.source_id, relation.target_id, relation.kind) == (vance.pk, lavrov.pk, RelationKind.CONTRADICTS)
    assert relation.created_by.username == "alice"
    assert "JD Vance" in page.inner_text("#claim-panel .relation-list li")

    # v: the cluster page shows both claims side by side, each with its article.
    page.keyboard.press("v")
    page.wait_for_url(f"**/claims/{lavrov.pk}/cluster/")
    assert page.locator(".cluster-card").count() == 2
    for claim_, article in ((lavrov, lavrov_article), (vance, vance_article)):
        card = page.locator(f"#cluster-claim-{claim_.pk}")
        assert card.locator("mark").inner_text() == claim_.quote
        assert card.locator("h2").inner_text() == article.title
    assert "Contradicts" in page.inner_text(f"#cluster-claim-{lavrov.pk} .cluster-links")
    log_out(page)

    # bob presses Next and is handed alice's claim to judge: he sees the claim, not her work.
    log_in(page, base, "bob", PASSWORD)
    page.get_by_role("link", name=PROJECT_NAME).click()
    page.wait_for_url(f"**/p/{PROJECT_SLUG}/")
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/articles/{first.pk}/\?claim={claim.pk}&assignment=\d+$"))
    judging = Assignment.objects.get(annotator__username="bob")
    assert (judging.claim_id, judging.status) == (claim.pk, AssignmentStatus.ASSIGNED)
    page.wait_for_selector(f'#claim-panel[data-claim-id="{claim.pk}"]')
    assert page.locator(f'#article-body mark.focus[data-claim="{claim.pk}"]').inner_text() == FIRST_SENTENCE
    hidden = [RATIONALE, EVIDENCE_URL, EVIDENCE_TITLE, "reuters"]

    def assert_nothing_of_alices(html: str, where: str) -> None:
        for text in hidden:
            assert text not in html, f"{text!r} shown to bob in {where}"

    assert_nothing_of_alices(page.content(), "the article page")
    assert_nothing_of_alices(page.inner_text("body"), "the article page's text")
    assert page.locator("#claim-panel input[name=verdict]:checked").count() == 0
    assert page.locator("#claim-panel textarea[name=rationale]").input_value() == ""
    assert page.locator(".verdict-chip, #claim-panel .others, #claim-panel .evidence-list").count() == 0
    assert page.locator("#claim-panel .blind-note").is_visible()
    # The panel partial htmx loads (j/k, clicks in the text) hides it too.
    partial = page.request.get(f"{base}/claims/{claim.pk}/panel/", headers={"HX-Request": "true"})
    assert partial.ok and f'data-claim-id="{claim.pk}"' in partial.text()
    assert_nothing_of_alices(partial.text(), "the panel partial")
    assert 'name="verdict"' in partial.text()
    assert not re.search(r'name="verdict"[^>]*\bchecked', partial.text())  # no verdict chosen for him
    page.goto(f"{base}/claims/{claim.pk}/cluster/")
    assert_nothing_of_alices(page.content(), "the cluster page")
    assert page.locator(".verdict-chip").count() == 0
    # Looking changed nothing: alice's work is as she left it, and bob has given nothing.
    assert not Annotation.objects.filter(annotator__username="bob").exists()
    assert Annotation.objects.get(claim=claim).rationale == RATIONALE
    log_out(page)
    # Logged out means logged out: the article page now asks for a login.
    page.goto(f"{base}/articles/{first.pk}/")
    page.wait_for_url(re.compile(r"/login/\?next="))
