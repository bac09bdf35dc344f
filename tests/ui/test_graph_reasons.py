"""The claim-graph engine's reasons, stored in English, shown in the reader's language."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from annotations.ui.graph_reasons import FORMS, translate_reason
from tests.ui.test_graph_pages import proposal, question, vance  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

# Each form the engine writes (annotations/graph/engine.py), as it writes it, and its French.
SAMPLES = [
    ("shared words: sommet, Anchorage", "mots en commun : sommet, Anchorage"),
    ("same entities: Russie, Vance", "mêmes entités : Russie, Vance"),
    ("same date: 15 août", "même date : 15 août"),
    ("same numbers: 12", "mêmes nombres : 12"),
    ("conflicting dates: début août vs 15 août", "dates en conflit : début août contre 15 août"),
    ("different numbers: 12 vs 40", "nombres différents : 12 contre 40"),
    ("opposite polarity: 'concessions' vs 'pas … concessions'",
     "polarité opposée : 'concessions' contre 'pas … concessions'"),
    ("similar meaning (0.83)", "sens proche (0,83)"),
]


@pytest.mark.parametrize(("english", "french"), SAMPLES)
def test_each_form_reads_in_french_and_stays_english_in_english(english, french) -> None:
    with translation.override("fr"):
        assert translate_reason(english) == french
    with translation.override("en"):
        assert translate_reason(english) == english


def test_every_form_has_a_sample() -> None:
    assert len(SAMPLES) == len(FORMS)
    for pattern, _ in FORMS:
        assert any(pattern.match(english) for english, _ in SAMPLES), pattern.pattern


def test_an_unknown_form_is_shown_as_stored() -> None:
    with translation.override("fr"):
        assert translate_reason("a reason from a newer engine") == "a reason from a newer engine"


def test_the_proposals_queue_shows_the_engines_reasons_in_french(project, proposal, rita, client_for):  # noqa: F811
    proposal.reasons = ["similar meaning (0.83)", "opposite polarity: 'concessions' vs 'inchangée'"]
    proposal.save(update_fields=["reasons"])
    client = client_for(rita)
    client.cookies["django_language"] = "fr"
    html = unescape(client.get(reverse("ui:relation_candidates", args=[project.slug])).content.decode())
    assert "sens proche (0,83)" in html and "polarité opposée : 'concessions' contre 'inchangée'" in html
    assert "similar meaning" not in html
    # The API keeps the stored English: it is data.
    api = client.get(f"/api/v1/relation-candidates/{proposal.pk}/").json()
    assert api["reasons"][0] == "similar meaning (0.83)"
