"""Invariants the database itself enforces, whatever code writes to it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from annotations.models import (
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Project,
    body_hash,
)
from tests.conftest import BODY

pytestmark = pytest.mark.django_db


def _claim(article, start, end, quote=None):
    return Claim.objects.create(
        article=article, start=start, end=end,
        quote=BODY[start:end] if quote is None else quote,
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )


@pytest.mark.parametrize("start,end", [(-1, 5), (5, 5), (9, 4)])
def test_it_refuses_span_bounds_out_of_order(article, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            article=article, start=start, end=end, quote="x",
            origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
        )


def test_it_refuses_a_quote_that_differs_from_the_body(article):
    with pytest.raises(IntegrityError, match="quote must equal"), transaction.atomic():
        _claim(article, 0, 10, quote="Not the body")


def test_it_refuses_a_span_past_the_end_of_the_body(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        _claim(article, len(BODY) - 3, len(BODY) + 5, quote=BODY[-3:])


def test_it_counts_offsets_in_code_points_like_python(article):
    # The emoji is one code point (two UTF-16 units): offsets after it must still match.
    start = BODY.index("Le sommet")
    end = len(BODY)
    assert BODY.index("🙂") < start
    claim = _claim(article, start, end)
    assert claim.quote == "Le sommet a eu lieu le 15 août 2025 à Anchorage."


def test_it_refuses_moving_a_claim_without_its_quote(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(start=claim.start + 1)


def test_it_freezes_the_body_once_a_claim_points_into_it(article, claim):
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(body=BODY + " Ajout.")
    # Other fields stay editable.
    Article.objects.filter(pk=article.pk).update(title="Nouveau titre")


def test_it_lets_an_unclaimed_body_change(article):
    Article.objects.filter(pk=article.pk).update(body=BODY + " Ajout.")
    article.refresh_from_db()
    assert article.body.endswith("Ajout.")


def test_it_keeps_one_annotation_per_claim_and_annotator(claim, alice, verdicts):
    Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["refuted"])


def test_it_refuses_a_relation_from_a_claim_to_itself(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(source=claim, target=claim, kind="same")


def test_it_refuses_evidence_with_two_sources_or_none(claim, alice, article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(claim=claim, added_by=alice, stance="supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            claim=claim, added_by=alice, stance="supports", url="https://example.org",
            linked_article=article,
        )


def test_it_refuses_the_same_body_twice_in_a_project(article, project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(project=project, body=BODY, body_hash=body_hash(BODY))


def test_it_allows_the_same_body_in_another_project(article, project):
    other = Project.objects.create(name="Other", slug="other", scheme=project.scheme)
    Article.objects.create(project=other, body=BODY, body_hash=body_hash(BODY))


def test_it_ships_the_default_scheme_with_its_mappings():
    from annotations.models import VerdictScheme

    scheme = VerdictScheme.objects.get(is_default=True)
    rows = {v.code: (v.fever_label, v.averitec_label, v.claimreview_rating) for v in scheme.verdicts.all()}
    assert list(rows) == [
        "supported", "refuted", "misleading", "conflicting", "not_enough_evidence", "not_checkable",
    ]
    assert rows["supported"] == ("SUPPORTS", "Supported", 5)
    assert rows["refuted"] == ("REFUTES", "Refuted", 1)
    assert rows["misleading"] == ("", "Conflicting Evidence/Cherrypicking", 2)
    assert rows["not_enough_evidence"] == ("NOT ENOUGH INFO", "Not Enough Evidence", 3)
    assert rows["not_checkable"][0] == ""
    assert all(v.claimreview_name_fr for v in scheme.verdicts.all())
    assert sorted(v.hotkey for v in scheme.verdicts.all()) == list("123456")
