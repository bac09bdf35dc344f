"""Buttons that could only fail are disabled and say why: Accept majority on a tie, Retrain with too few decisions."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from annotations.models import Annotation, Article, Claim, ClaimOrigin, ClaimStatus, body_hash
from annotations.suggest.learner import MIN_EXAMPLES

pytestmark = pytest.mark.django_db


def button(page: str, element_id: str) -> str:
    match = re.search(rf'<button[^>]*id="{element_id}"[^>]*>', page)
    assert match, element_id
    return match.group(0)


def test_accept_majority_is_disabled_on_a_tie_with_the_reason(project, claim, verdicts, alice, bob, rita, client_for) -> None:
    supported, refuted = list(verdicts.values())[:2]
    Annotation.objects.create(claim=claim, annotator=alice, verdict=supported)
    Annotation.objects.create(claim=claim, annotator=bob, verdict=refuted)
    page = html.unescape(client_for(rita).get(reverse("ui:adjudicate", args=[claim.pk])).content.decode())
    assert " disabled " in button(page, "accept-majority")
    assert 'id="majority-refusal">The verdicts are tied or too few: there is no majority<' in page


def test_accept_majority_is_offered_when_there_is_one(project, claim, verdicts, alice, bob, rita, client_for) -> None:
    supported = list(verdicts.values())[0]
    Annotation.objects.create(claim=claim, annotator=alice, verdict=supported)
    Annotation.objects.create(claim=claim, annotator=bob, verdict=supported)
    page = client_for(rita).get(reverse("ui:adjudicate", args=[claim.pk])).content.decode()
    assert "disabled" not in button(page, "accept-majority") and "majority-refusal" not in page


def _decisions(project, accepted: int, rejected: int) -> None:
    body = " ".join(f"Phrase {i}." for i in range(accepted + rejected))
    article = Article.objects.create(project=project, title="Décisions", body=body, body_hash=body_hash(body))
    claims, start = [], 0
    for i in range(accepted + rejected):
        quote = f"Phrase {i}."
        claims.append(Claim(article=article, start=start, end=start + len(quote), quote=quote,
                            origin=ClaimOrigin.SUGGESTED,
                            status=ClaimStatus.ACCEPTED if i < accepted else ClaimStatus.REJECTED))
        start += len(quote) + 1
    Claim.objects.bulk_create(claims)


@pytest.mark.parametrize("page", ["ui:suggestions", "ui:jobs"])
def test_retrain_is_disabled_with_too_few_decisions_and_says_how_many(page, project, max_, client_for) -> None:
    _decisions(project, accepted=MIN_EXAMPLES + 5, rejected=0)  # enough, but one kind only
    text = html.unescape(client_for(max_).get(reverse(page, args=[project.slug])).content.decode())
    assert " disabled " in button(text, "retrain-start")
    assert (f"A retrain needs at least {MIN_EXAMPLES} decisions, both accepted and rejected; this project has "
            f"{MIN_EXAMPLES + 5} ({MIN_EXAMPLES + 5} accepted, 0 rejected).") in text
    french = html.unescape(client_for(max_).get(reverse(page, args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert f"au moins {MIN_EXAMPLES} décisions" in french


@pytest.mark.parametrize("page", ["ui:suggestions", "ui:jobs"])
def test_retrain_is_offered_once_there_are_enough_of_both_kinds(page, project, max_, client_for) -> None:
    _decisions(project, accepted=MIN_EXAMPLES - 10, rejected=10)
    text = client_for(max_).get(reverse(page, args=[project.slug])).content.decode()
    assert "disabled" not in button(text, "retrain-start") and "retrain-refusal" not in text
