"""`manage.py agreement`: the same report as the API (JSON), or a readable table."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Annotation, Claim
from annotations.selectors import agreement as agreement_selectors
from annotations.selectors.agreement import project_agreement_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(project, article, claim, alice, bob, verdicts) -> list[Claim]:
    """Three claims both annotators judged: two agreements and a disagreement."""
    body = article.body
    claims = [claim]
    for text in ("JD Vance a affirmé dimanche", "Le sommet a eu lieu le 15 août 2025 à Anchorage."):
        start = body.index(text)
        claims.append(Claim.objects.create(
            article=article, start=start, end=start + len(text), quote=text, origin="manual", status="accepted",
        ))
    for c, (a, b) in zip(claims, [("supported", "supported"), ("refuted", "refuted"), ("supported", "misleading")]):
        Annotation.objects.create(claim=c, annotator=alice, verdict=verdicts[a])
        Annotation.objects.create(claim=c, annotator=bob, verdict=verdicts[b])
    return claims


def run(*args: str) -> str:
    out = StringIO()
    call_command("agreement", *args, stdout=out)
    return out.getvalue()


def test_json_output_equals_the_selectors_report(project, rita, max_, judged):
    printed = json.loads(run("--project", "test", "--json"))
    assert printed == project_agreement_report(max_, project)  # the first manager by default
    as_rita = json.loads(run("--project", "test", "--json", "--as", "rita"))
    assert as_rita == project_agreement_report(rita, project)
    assert printed["overall"]["percent_agreement"]["value"] == pytest.approx(2 / 3)


def test_the_table_shows_the_figures(project, judged):
    text = run("--project", "test")
    assert "Krippendorff's alpha" in text and "Fleiss' kappa" in text
    assert "alice – bob" in text
    assert "0.667 [" in text  # percent agreement with its interval
    assert "Supported" in text and "Not a checkable claim" in text


def test_refusals_are_command_errors(project, judged):
    with pytest.raises(CommandError, match="no project"):
        run("--project", "nowhere")
    with pytest.raises(CommandError, match="may not see"):
        run("--project", "test", "--as", "alice")
    with pytest.raises(CommandError, match="may not see"):
        run("--project", "test", "--as", "charlie")
    with pytest.raises(CommandError, match="no user"):
        run("--project", "test", "--as", "nobody")


def test_big_projects_without_a_job_say_so_or_compute_with_fresh(project, judged, monkeypatch):
    monkeypatch.setattr(agreement_selectors, "INLINE_LIMIT", 2)
    assert "no agreement job has finished yet" in run("--project", "test")
    assert json.loads(run("--project", "test", "--json"))["available"] is False
    fresh = json.loads(run("--project", "test", "--json", "--fresh"))
    assert fresh["available"] and fresh["overall"]["n_items"] == 3
