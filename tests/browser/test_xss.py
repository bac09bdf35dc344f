"""Hostile text in every user-provided field runs nowhere, in a real Chromium.

Each field gets a script tag, attribute breakouts (double and single quotes) and an image whose
onerror would run. Every page that shows them is loaded as the person who sees it, the hostile
texts are hovered with the mouse, every element also receives synthetic mouse and focus events
(an injected on* attribute would run on them), and the claim panel and search results are
loaded through htmx, which would execute script tags in swapped content. window.__xss must stay
undefined, no dialog may open, and the texts must be on the page, shown as text.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Job,
    JobKind,
    JobStatus,
    Outlet,
    RelationKind,
    Stance,
    body_hash,
)
from annotations.services import graph as graph_services
from annotations.services.assignments import assignment_next
from tests.browser.conftest import log_in, log_out, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCRIPT = "<script>window.__xss=1</script>"
PAYLOADS = (
    SCRIPT,
    '" onmouseover="window.__xss=1',
    "' onmouseover='window.__xss=1",
    '<img src=x onerror="window.__xss=1">',
)
HOSTILE = " ".join(PAYLOADS)
# Markdown may carry raw HTML: the sanitiser must drop the handler and the javascript: link.
GUIDELINES = (
    "# Rules\n\n" + HOSTILE + "\n\n"
    '<a href="javascript:window.__xss=1" onmouseover="window.__xss=1">hover the rules</a> '
    "[or this link](javascript:window.__xss=1)\n"
)


def hostile(label: str) -> str:
    return f"{label} {HOSTILE}"


@pytest.fixture
def hostile_project(project, alice, bob, rita, max_) -> dict:
    """A non-blind project (so everyone's work is shown) whose every text field is hostile."""
    project.name = hostile("Project")
    project.guidelines = GUIDELINES
    project.blind = False
    project.save(update_fields=["name", "guidelines", "blind"])
    body = f"Avant. {HOSTILE} Après le texte, une autre phrase ici."
    article = Article.objects.create(
        project=project, title=hostile("Title"), author=hostile("Author"), body=body,
        body_hash=body_hash(body), language="fr", outlet=Outlet.objects.create(project=project, name=hostile("Outlet")),
        url='https://example.org/"><script>window.__xss=1</script>',
    )
    start = body.index(SCRIPT)
    claim = Claim.objects.create(
        article=article, start=start, end=start + len(HOSTILE), quote=HOSTILE,
        statement=hostile("Statement"), speaker=hostile("Speaker"),
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice,
    )
    at = body.index("une autre phrase")
    suggestion = Claim.objects.create(
        article=article, start=at, end=at + len("une autre phrase ici."), quote="une autre phrase ici.",
        speaker=hostile("Suggested speaker"), origin=ClaimOrigin.SUGGESTED,
        status=ClaimStatus.CANDIDATE, score=0.8, kind="quantity",
    )
    other_body = "Une phrase autre part, sans rien de spécial."
    other_article = Article.objects.create(
        project=project, title=hostile("Other title"), body=other_body,
        body_hash=body_hash(other_body), language="fr",
        outlet=Outlet.objects.create(project=project, name=hostile("Other outlet")),
    )
    other = Claim.objects.create(
        article=other_article, start=0, end=len(other_body), quote=other_body,
        statement=hostile("Other statement"), speaker=hostile("Other speaker"),
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )
    ClaimRelation.objects.create(
        source=claim, target=other, kind=RelationKind.CONTRADICTS, note=hostile("Note"), created_by=alice
    )
    verdicts = {v.code: v for v in project.scheme.verdicts.all()}
    for user, code in ((alice, "refuted"), (bob, "supported")):
        Annotation.objects.create(
            claim=claim, annotator=user, verdict=verdicts[code], rationale=hostile(f"Rationale of {user}")
        )
        Evidence.objects.create(
            claim=claim, added_by=user, url="https://example.org/evidence", title=hostile("Evidence title"),
            publisher=hostile("Publisher"), passage=hostile("Passage"), stance=Stance.REFUTES,
        )
    Annotation.objects.create(claim=other, annotator=alice, verdict=verdicts["supported"], rationale=hostile("R2"))
    Adjudication.objects.create(
        claim=other, verdict=verdicts["supported"], adjudicator=rita,
        method=AdjudicationMethod.ADJUDICATED, notes=hostile("Adjudication notes"),
    )
    now = timezone.now()
    failed = Job.objects.create(
        project=project, kind=JobKind.IMPORT, status=JobStatus.FAILED, created_by=max_, finished_at=now,
        error=hostile("Job error"),
        result={"refused": True, "error_count": 1, "errors": [
            {"file": hostile("file"), "line": 2, "field": "body", "message": hostile("Bad line")},
        ]},
    )
    imported = Job.objects.create(
        project=project, kind=JobKind.IMPORT, status=JobStatus.SUCCEEDED, created_by=max_, finished_at=now,
        result={"records": 2, "created": 1, "duplicates": 1, "duplicate_lines": [
            {"file": "a.jsonl", "line": 2, "title": hostile("Duplicate")},
        ]},
    )
    Job.objects.create(
        project=project, kind=JobKind.AGREEMENT, status=JobStatus.FAILED, created_by=rita,
        finished_at=now, error=hostile("Agreement error"),
    )
    # A check question both claims answer, oppositely: a contradiction, and a proposed relation.
    question = graph_services.question_create(
        project=project, by=alice, text=hostile("Question"), text_en=hostile("English question"),
        claim=claim, answer="yes",
    )
    graph_services.answer_set(question=question, claim=other, answer="no", by=alice)
    graph_services.candidate_propose(
        project_id=project.pk, kind=RelationKind.SAME, a=claim, b=other, score=0.7,
        reasons=[hostile("Reason")], origin="engine",
    )
    # alice's queue hands her the hostile article to find claims in: its title is on her project page.
    assert assignment_next(project=project, by=alice).article_id == article.pk
    return {
        "project": project, "article": article, "claim": claim, "suggestion": suggestion,
        "other": other, "other_article": other_article, "failed_job": failed, "import_job": imported,
        "question": question,
    }


# Run in the page: every element gets the events an injected handler would listen to, and what
# would have run is listed: on* attributes or script elements mentioning __xss.
PROBE = """() => {
    const events = ["mouseover", "mouseenter", "mousemove", "mouseout", "mousedown", "mouseup"];
    const found = [];
    for (const el of document.querySelectorAll("*")) {
        for (const type of events) el.dispatchEvent(new MouseEvent(type, {bubbles: true}));
        el.dispatchEvent(new FocusEvent("focus"));
        for (const attr of el.attributes) {
            if (attr.name.startsWith("on") && attr.value.includes("__xss")) found.push(el.outerHTML.slice(0, 200));
            if (/^javascript:/i.test((attr.value || "").trim())) found.push(el.outerHTML.slice(0, 200));
        }
        if (el.tagName === "SCRIPT" && el.textContent.includes("__xss")) found.push(el.outerHTML.slice(0, 200));
    }
    return found;
}"""


class Checker:
    """Loads pages and checks that nothing hostile ran on them."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.dialogs: list[str] = []
        self.checked: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def visit(self, path: str, *shown: str) -> None:
        """Load the page and check it; `shown` are labels whose hostile text must be on it."""
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        self.check(path, *shown)

    def check(self, where: str, *shown: str) -> None:
        """Hover the hostile texts, probe every element, and assert nothing ran."""
        page = self.page
        text = page.inner_text("body")
        for label in shown:
            # Shown as text, in full: the escaping kept every character.
            assert f"{label} {SCRIPT}" in text, f"{label!r} is not shown as text on {where}"
        hovered = 0
        texts = page.get_by_text("__xss", exact=False)
        for i in range(min(texts.count(), 60)):
            item = texts.nth(i)
            if item.is_visible():
                item.hover(force=True, timeout=5_000)
                hovered += 1
        assert hovered or not shown, f"nothing hostile to hover on {where}"
        found = page.evaluate(PROBE)
        assert not found, f"live markup on {where}: {found}"
        assert page.evaluate("() => window.__xss") is None, f"a payload ran on {where}"
        assert not self.dialogs, self.dialogs
        self.checked.append(where)


def test_hostile_text_runs_nowhere(page, live_server, hostile_project, monkeypatch):
    h = hostile_project
    # Agreement jobs (and their errors) are shown for projects past the inline limit.
    monkeypatch.setattr("annotations.selectors.agreement.INLINE_LIMIT", 1)
    project, article, claim, other = h["project"], h["article"], h["claim"], h["other"]
    check = Checker(page, live_server.url)

    # alice, the annotator: her projects, the project page, the article, its partials, the cluster.
    log_in(page, live_server.url, "alice", "pw-alice")
    check.visit("/", "Project")
    check.visit(f"/p/{project.slug}/", "Project", "Title", "Outlet")
    assert page.locator("#guidelines a[href^=javascript]").count() == 0
    check.visit(
        f"/articles/{article.pk}/?claim={claim.pk}",
        "Project", "Title", "Outlet", "Author", "Statement", "Speaker", "Rationale of bob",
        "Evidence title", "Publisher", "Passage", "Note", "Other title",
    )
    assert page.locator(f'#article-body mark[data-claim="{claim.pk}"]').inner_text() == HOSTILE
    assert page.input_value("#claim-panel textarea[name=rationale]") == "Rationale of alice " + HOSTILE
    # The panels of the suggestion and back, swapped in by htmx (which runs swapped scripts).
    page.keyboard.press("j")
    page.wait_for_selector(f'#claim-panel[data-claim-id="{h["suggestion"].pk}"]')
    settled(page)
    check.check("the suggestion's panel", "Suggested speaker")
    page.keyboard.press("k")
    page.wait_for_selector(f'#claim-panel[data-claim-id="{claim.pk}"]')
    settled(page)  # the new panel's search field is live
    check.check("the claim's panel (htmx)", "Statement", "Rationale of bob", "Evidence title")
    # The link search's results, swapped in by htmx.
    page.keyboard.press("l")
    page.keyboard.type("autre part")
    page.wait_for_selector(f'#claim-panel button[name=target][value="{other.pk}"]')
    check.check("the link search's results", "Other statement", "Other title")
    # The guidelines overlay.
    page.keyboard.press("Escape")  # out of the search field, so keys are hotkeys again
    page.keyboard.press("g")
    page.keyboard.press("g")
    page.locator("#guidelines").wait_for()
    page.get_by_text("hover the rules").first.hover()
    check.check("the guidelines overlay")
    check.visit(f"/claims/{claim.pk}/cluster/", "Title", "Other title", "Speaker", "Statement", "Rationale of bob")
    check.visit(f"/articles/{h['other_article'].pk}/?claim={other.pk}", "Other title", "Other outlet", "Note")
    # The claim graph: the question's page (with its contradiction) and the project's questions.
    check.visit(f"/questions/{h['question'].pk}/", "Question", "English question", "Title", "Other title", "Speaker")
    check.visit(f"/p/{project.slug}/questions/", "Question", "English question")
    log_out(page)

    # rita, the reviewer: the queue, both adjudication pages, the agreement page.
    log_in(page, live_server.url, "rita", "pw-rita")
    check.visit(f"/p/{project.slug}/review/", "Project", "Speaker", "Title")
    check.visit(f"/p/{project.slug}/review/?filter=adjudicated", "Other speaker", "Other title")
    check.visit(
        f"/claims/{claim.pk}/adjudicate/",
        "Project", "Outlet", "Speaker", "Statement", "Rationale of alice", "Rationale of bob",
        "Evidence title", "Publisher",
    )
    check.visit(f"/claims/{other.pk}/adjudicate/", "Adjudication notes", "R2", "Question")
    check.visit(f"/p/{project.slug}/relations/", "Project", "Title", "Other title", "Reason")
    check.visit(f"/p/{project.slug}/agreement/", "Project", "Agreement error")
    check.visit(f"/articles/{article.pk}/?claim={claim.pk}", "Rationale of alice", "Rationale of bob")
    log_out(page)

    # max, the manager: jobs, each job, progress, the settings with the guidelines' live preview.
    log_in(page, live_server.url, "max", "pw-max")
    check.visit("/", "Project")
    check.visit(f"/p/{project.slug}/jobs/", "Project", "Job error")
    check.visit(f"/jobs/{h['failed_job'].pk}/", "Project", "Job error", "file", "Bad line")
    check.visit(f"/jobs/{h['import_job'].pk}/", "Duplicate")
    check.visit(f"/p/{project.slug}/progress/", "Project", "Title")
    check.visit(f"/p/{project.slug}/settings/", "Project")
    page.wait_for_selector("#guidelines-preview h1")  # the preview, rendered by htmx on load
    assert page.input_value("textarea[name=guidelines]") == GUIDELINES
    check.check("the guidelines preview")
    assert page.locator("#guidelines-preview a[href^=javascript]").count() == 0
    log_out(page)
    assert len(check.checked) == 25
