"""The Content-Security-Policy in a real Chromium: every kind of page works under it and the
browser reports no violation (the login page, a project page, an article page with an htmx
panel, the review list, the admin and Swagger UI)."""

from __future__ import annotations

import pytest

from annotations.services import graph as graph_services
from annotations.services import work
from tests.browser.conftest import log_in, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Installed in every document before its own scripts run; reports reach the test at once, so
# none is lost when the next page is opened.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.documentURI);
});
"""


@pytest.fixture
def watched(page):  # type: ignore[no-untyped-def]
    """The page, with CSP violations (events and console reports) collected in `page.csp`."""
    reports: list[str] = []
    page.context.expose_function("reportCspViolation", lambda text: reports.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.csp = reports
    return page


def visit(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open `url`, check the policy came with it, and wait for the page's scripts to have run."""
    response = page.goto(url)
    assert response.ok, (url, response.status)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy, (url, policy)
    page.wait_for_load_state("load")


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # let pending reports land
    return page.csp


def test_it_reports_no_violation_on_any_kind_of_page(watched, live_server, project, article, claim,
                                                      alice, bob, verdicts) -> None:
    page, base = watched, live_server.url
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])

    visit(page, f"{base}/login/")
    # The language switch (once an inline onchange) still submits on change.
    page.select_option("#language", "fr")
    page.wait_for_selector("html[lang=fr]")
    page.select_option("#language", "en")
    page.wait_for_selector("html[lang=en]")
    visit(page, f"{base}/admin/login/")
    assert page.locator("#login-form").count() == 1
    assert violations(page) == []

    log_in(page, base, "max", "pw-max")
    visit(page, f"{base}/p/{project.slug}/")
    assert page.locator("h1").count() >= 1
    page.keyboard.press("?")  # app.js: the help overlay
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")

    visit(page, f"{base}/articles/{article.pk}/")
    page.keyboard.press("j")  # article.js opens the first claim; htmx swaps its panel in
    page.wait_for_selector(f"#claim-panel[data-claim-id='{claim.pk}']")
    settled(page)
    # Verdict colours come from style attributes (here the chips of alice's and bob's verdicts):
    # allowed, and applied.
    colour = page.locator("#claim-panel .verdict-chip").first.evaluate(
        "el => getComputedStyle(el).getPropertyValue('--c').trim()")
    assert colour.startswith("#")

    visit(page, f"{base}/p/{project.slug}/review/")
    page.keyboard.press("j")  # review_queue.js selects the first row
    assert page.locator("tr.selected").count() == 1

    # The claim graph's pages: a question, the questions (graph.js), proposals, the cluster's SVG.
    question = graph_services.question_create(project=project, by=alice, text="Question ?", claim=claim, answer="yes")
    visit(page, f"{base}/questions/{question.pk}/")
    visit(page, f"{base}/p/{project.slug}/questions/")
    page.keyboard.press("j")  # graph.js selects the first question
    assert page.locator("tr.selected").count() == 1
    visit(page, f"{base}/p/{project.slug}/relations/")
    visit(page, f"{base}/claims/{claim.pk}/cluster/")

    visit(page, f"{base}/admin/")
    assert page.locator("#user-tools").count() == 1 and page.locator("#content").count() == 1
    visit(page, f"{base}/admin/annotations/project/{project.pk}/change/")
    assert page.locator("#content form").count() >= 1

    visit(page, f"{base}/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 40

    assert violations(page) == []


def test_it_blocks_an_inline_script(watched, live_server) -> None:
    """The policy is enforced, not merely sent: a script added inline does not run."""
    page = watched
    visit(page, f"{live_server.url}/login/")
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }""")
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in violations(page))
