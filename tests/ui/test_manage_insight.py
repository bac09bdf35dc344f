"""What managers watch: the suggestion model's figures and progress per annotator and article."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    SuggestionModel,
)
from annotations.suggest import ENGINE_VERSION, learner
from tests.ui.fixtures_manage import *  # noqa: F401,F403
from tests.ui.fixtures_manage import assert_refused

pytestmark = pytest.mark.django_db


def suggested(article, start: int, end: int, status: str) -> Claim:
    return Claim.objects.create(
        article=article, start=start, end=end, quote=article.body[start:end],
        origin=ClaimOrigin.SUGGESTED, status=status, score=0.5,
    )


def stored_model(project, version: int, *, current: bool, engine: str = ENGINE_VERSION) -> SuggestionModel:
    weights = {
        "format": learner.FORMAT, "vocabulary": {"ab": 0, "bc": 1, "cd": 2},
        "cue_names": ["attribution", "number", "quote_marks"],
        "coef": [0.1, 0.2, 0.3, 1.5, -2.25, 0.75],
    }
    return SuggestionModel.objects.create(
        project=project, version=version, engine_version=engine, n_examples=40 + version,
        n_positive=25, cv_precision=0.8125, cv_recall=0.6, cv_folds=5, weights=weights,
        cv_ap_engine=0.85, cv_ap_model=0.9 + version / 100,
        is_current=current,
    )


# --- suggestions ---------------------------------------------------------------------------------


def test_suggestions_page_access(people, project):
    assert_refused(people, reverse("ui:suggestions", args=[project.slug]), allowed={"max"})


def test_suggestions_page_without_a_model_shows_counts(people, project, article):
    suggested(article, 0, 10, ClaimStatus.CANDIDATE)
    suggested(article, 11, 20, ClaimStatus.ACCEPTED)
    suggested(article, 21, 30, ClaimStatus.ACCEPTED)
    suggested(article, 31, 40, ClaimStatus.REJECTED)
    page = people["max"].get(reverse("ui:suggestions", args=[project.slug])).content.decode()
    assert "<strong>1</strong> waiting for a decision" in page
    assert "<strong>2</strong> accepted" in page
    assert "<strong>1</strong> rejected" in page
    assert "67% of decided suggestions were accepted." in page
    assert "No model yet" in page


def test_suggestions_page_shows_the_current_models_figures_and_history(people, project):
    stored_model(project, 1, current=False)
    stored_model(project, 2, current=True)
    page = people["max"].get(reverse("ui:suggestions", args=[project.slug])).content.decode()
    assert "<dd>v2</dd>" in page
    assert "0.812" in page or "0.813" in page
    assert "<dd>0.600</dd>" in page
    assert "3 character n-grams" in page
    # The cues, strongest first: number (-2.25), attribution (1.5), quote_marks (0.75).
    assert page.index("<code>number</code>") < page.index("<code>attribution</code>") < page.index("<code>quote_marks</code>")
    # Whether the model ranks the project's decisions better than the engine, per version.
    assert "engine alone 0.850 → with the model 0.920" in page
    assert "0.850 → 0.910" in page
    assert "in use" in page
    assert page.count("<td>v") == 2  # both versions in the history


def test_a_model_of_another_engine_version_is_flagged_as_unused(people, project):
    stored_model(project, 1, current=True, engine="0.0-old")
    page = people["max"].get(reverse("ui:suggestions", args=[project.slug])).content.decode()
    assert "older engine: not used until a retrain" in page


def test_suggestions_page_query_count_does_not_grow(people, project, article, django_assert_max_num_queries):
    url = reverse("ui:suggestions", args=[project.slug])
    stored_model(project, 1, current=True)
    with django_assert_max_num_queries(10) as few:
        people["max"].get(url)
    for v in range(2, 15):
        SuggestionModel.objects.filter(project=project).update(is_current=False)
        stored_model(project, v, current=True)
    for i in range(20):
        suggested(article, i, i + 1, ClaimStatus.CANDIDATE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        people["max"].get(url)


# --- progress ------------------------------------------------------------------------------------


def test_progress_page_access(people, project):
    assert_refused(people, reverse("ui:progress", args=[project.slug]), allowed={"max"})


def test_progress_per_annotator_and_per_article(people, project, make_articles, alice, bob, verdicts):
    (article,) = make_articles(project, 1, claims=2)
    first, second = article.claims.order_by("start")
    Assignment.objects.create(
        project=project, article=article, claim=first, annotator=alice, slot=0,
        status=AssignmentStatus.DONE, completed_at=timezone.now(),
    )
    Assignment.objects.create(project=project, article=article, claim=first, annotator=bob, slot=1, status=AssignmentStatus.DONE)
    Assignment.objects.create(project=project, article=article, claim=second, annotator=alice, slot=0)
    Annotation.objects.create(claim=first, annotator=alice, verdict=verdicts["supported"])
    Annotation.objects.create(claim=first, annotator=bob, verdict=verdicts["refuted"])
    page = people["max"].get(reverse("ui:progress", args=[project.slug])).content.decode()
    alice_row = page[page.index("<td>alice"):page.index("</tr>", page.index("<td>alice"))]
    assert "1/2" in alice_row  # one of her two assignments done
    assert 'value="50"' in alice_row
    assert article.title in page
    assert "1/2" in page[page.index(article.title):]  # one of two claims fully judged (overlap 2)
    assert "2 / 3 / 4" in page  # slots done / taken / needed


def test_progress_page_query_count_does_not_grow_with_articles(
    people, project, make_articles, django_assert_max_num_queries
):
    url = reverse("ui:progress", args=[project.slug])
    make_articles(project, 2, claims=2)
    with django_assert_max_num_queries(17) as few:  # 3 for the exact project totals
        people["max"].get(url)
    make_articles(project, 30, claims=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        people["max"].get(url)


def test_progress_page_escapes_titles(people, project, make_articles):
    make_articles(project, 1, claims=1, title='<script>alert("t{i}")</script>')
    page = people["max"].get(reverse("ui:progress", args=[project.slug])).content.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;" in page
