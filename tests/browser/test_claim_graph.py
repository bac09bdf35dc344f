"""The claim graph on the seed corpus, in a real Chromium, driven with the keyboard.

alice opens Vance's claim in seed article 003 ("importantes concessions"), writes the check
question with her answer (yes) through the q key, finds Lavrov's statement of article 004
("restait totalement inchangée") in the related list (f), answers the question with it (no) with
one key, sees the contradiction on the panel and on the question's page. rita, a reviewer, then
finds the contradicts relation the opposite answers proposed in her queue and accepts it (j, a).
The database is checked after each step.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from annotations.models import (
    Answer,
    Article,
    CandidateOrigin,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimRelation,
    ClaimStatus,
    Project,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
)
from annotations.services.claims import claim_create
from annotations.services.graph_jobs import index_articles
from annotations.services.seeds import PROJECT_SLUG, seeds_load
from tests.browser.conftest import ARTIFACTS, log_in, log_out, screenshot, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "workbench-demo"
QUESTION = "La Russie a-t-elle fait des concessions à Trump lors du sommet d'Anchorage ?"
VANCE = (
    "Dans une déclaration explosive qui fait trembler les chancelleries mondiales, le vice-président "
    "américain JD Vance vient de révéler que la Russie a fait d' »importantes concessions » au "
    "président Donald Trump pour la première fois depuis le début du conflit ukrainien."
)
LAVROV_WORDS = "restait totalement inchangée"


def seed_article(project: Project, prefix: str) -> Article:
    return Article.objects.get(project=project, external_id__startswith=prefix)


def notice(page, text: str) -> None:
    """Wait for the claim panel's success message, and for htmx to have settled the new panel."""
    page.wait_for_selector(f'#claim-panel .msg.success:has-text("{text}")')
    settled(page)


def test_alice_finds_the_contradiction_and_rita_accepts_it(page, live_server):
    seeds_load(password=PASSWORD)
    project = Project.objects.get(slug=PROJECT_SLUG)
    vance_article, lavrov_article = seed_article(project, "003"), seed_article(project, "004")
    alice = get_user_model().objects.get(username="alice")
    start = vance_article.body.index(VANCE)
    vance = claim_create(article=vance_article, start=start, end=start + len(VANCE), by=alice)
    # The related-claims index, as the manager's "Find related claims" job builds it.
    index_articles(project, list(project.articles.values_list("pk", flat=True)))
    base = live_server.url

    log_in(page, base, "alice", PASSWORD)
    page.goto(f"{base}/articles/{vance_article.pk}/?claim={vance.pk}")
    page.wait_for_selector(f'#claim-panel[data-claim-id="{vance.pk}"]')
    assert "importantes concessions" in page.inner_text("#claim-panel .quote")

    # q: the question form opens on its text field; Tab to the answers, Space, Ctrl+Enter saves.
    page.keyboard.press("q")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'text'")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Tab")  # the English version, left empty
    page.keyboard.press("Tab")  # the answers: the first is Yes
    page.keyboard.press("Space")
    assert page.locator("#question-form input[name=answer][value=yes]").is_checked()
    page.keyboard.press("Control+Enter")
    notice(page, "Question added.")
    question = CheckQuestion.objects.get(project=project)
    assert (question.text, question.created_by.username) == (QUESTION, "alice")
    assert QuestionAnswer.objects.get(question=question, claim=vance).answer == Answer.YES
    assert QUESTION in page.inner_text("#claim-panel .question-list")

    # f: the related list arrives with its first item focused; Lavrov's statement is in it.
    page.keyboard.press("f")
    lavrov_item = page.locator("#claim-panel [data-related-item]", has_text=LAVROV_WORDS)
    lavrov_item.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('[data-related-item]')")
    assert f"/articles/{lavrov_article.pk}/" in lavrov_item.locator(".related-meta a").first.get_attribute("href")
    ARTIFACTS.mkdir(exist_ok=True)
    lavrov_item.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "claim-graph-related.png"))

    # On the focused item, n: it answers the question no (a sentence nobody marked becomes a claim).
    lavrov_item.focus()
    page.keyboard.press("n")
    notice(page, "Answer saved.")
    lavrov = Claim.objects.get(article=lavrov_article, quote__contains=LAVROV_WORDS)
    assert lavrov.status == ClaimStatus.ACCEPTED
    assert QuestionAnswer.objects.get(question=question, claim=lavrov).answer == Answer.NO
    proposal = RelationCandidate.objects.get(project=project, kind=RelationKind.CONTRADICTS, status=CandidateStatus.PENDING)
    assert proposal.origin == CandidateOrigin.QUESTION and {proposal.a_claim_id, proposal.b_claim_id} == {vance.pk, lavrov.pk}

    # The panel names the contradiction, linked to Lavrov's claim.
    contradiction = page.locator("#claim-panel .question-item .contradiction")
    assert lavrov_article.title[:30] in contradiction.inner_text()
    assert LAVROV_WORDS in contradiction.locator("a").first.get_attribute("title")  # the whole quote
    assert contradiction.locator("a").first.get_attribute("href") == f"/articles/{lavrov_article.pk}/?claim={lavrov.pk}"

    contradiction.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "claim-graph-panel-questions.png"))

    # The question's page: both claims, by answer, and the contradiction in plain view.
    page.locator("#claim-panel .question-item a.question-text").click()
    page.wait_for_url(f"**/questions/{question.pk}/")
    assert "importantes concessions" in page.inner_text(".answer-group.answer-yes")
    assert LAVROV_WORDS in page.inner_text(".answer-group.answer-no")
    pair = page.inner_text(".card.contradictions")
    assert "importantes concessions" in pair and LAVROV_WORDS in pair
    screenshot(page, "claim-graph-question")
    log_out(page)

    # rita's queue of proposed relations: j selects the proposal, a accepts it.
    log_in(page, base, "rita", PASSWORD)
    page.goto(f"{base}/p/{PROJECT_SLUG}/relations/")
    row = page.locator(f"#candidate-{proposal.pk}")
    assert "importantes concessions" in row.inner_text() and LAVROV_WORDS in row.inner_text()
    page.keyboard.press("j")
    page.wait_for_function("() => document.querySelector('[data-candidate-row].selected') !== null")
    screenshot(page, "claim-graph-proposals")
    page.keyboard.press("a")
    page.wait_for_selector('.messages .msg:has-text("Relation accepted")')
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by.username) == (CandidateStatus.ACCEPTED, "rita")
    relation = ClaimRelation.objects.get(kind=RelationKind.CONTRADICTS)
    assert {relation.source_id, relation.target_id} == {vance.pk, lavrov.pk}
    assert page.locator(f"#candidate-{proposal.pk}").count() == 0  # decided: off the pending tab
    page.goto(f"{base}/claims/{vance.pk}/cluster/")
    assert page.locator("#claim-graph .node.question").count() == 1
    screenshot(page, "claim-graph-cluster")
    page.goto(f"{base}/p/{PROJECT_SLUG}/relations/?status=accepted")
    assert page.locator(f"#candidate-{proposal.pk}").count() == 1
    assert re.search(r"Accepted\s*·\s*rita", page.inner_text(f"#candidate-{proposal.pk}"))
