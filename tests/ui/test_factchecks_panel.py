"""The claim panel's "Already fact-checked": matching reference fact checks, cited in one click."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Evidence, ReferenceFactCheck
from annotations.services.imports import source_import

pytestmark = pytest.mark.django_db

FEED = Path(__file__).parent.parent / "fixtures" / "factchecks" / "claimreviews.jsonld"


@pytest.fixture
def feed(project, max_) -> None:
    source_import(project=project, path=FEED, by=max_)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_loads_the_matches_on_demand(claim, alice, client_for):
    html = client_for(alice).get(reverse("ui:claim_panel", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("ui:factcheck_list", args=[claim.pk]) in html


def test_a_claim_shows_its_fact_checks_with_rating_and_publisher(feed, claim, alice, client_for):
    url = reverse("ui:factcheck_list", args=[claim.pk])
    html = unescape(client_for(alice).get(url, HTTP_HX_REQUEST="true").content.decode())
    assert "Already fact-checked" in html and "Partiellement vrai" in html and "Factuel Exemple" in html
    assert "https://factuel.example.org/verifications/position-russe-inchangee" in html
    # The sanctions review is about something else: not shown.
    assert "sanctions" not in html
    page = client_for(alice).get(url)  # without JavaScript: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_nothing_shows_without_a_match(claim, alice, client_for):
    html = client_for(alice).get(reverse("ui:factcheck_list", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Already fact-checked" not in html


def test_linking_a_fact_check_cites_it_as_evidence(feed, claim, alice, client_for):
    factcheck = ReferenceFactCheck.objects.get(url__endswith="position-russe-inchangee")
    url = reverse("ui:factcheck_link", args=[claim.pk, factcheck.pk])
    response = client_for(alice).post(url, {"stance": "refutes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Fact check linked as evidence." in response.content.decode()
    evidence = Evidence.objects.get()
    assert (evidence.url, evidence.stance, evidence.added_by) == (factcheck.url, "refutes", alice)
    assert evidence.passage.startswith("Partiellement vrai")
    again = client_for(alice).post(url, {"stance": "refutes"}, HTTP_HX_REQUEST="true")
    assert "already evidence" in unescape(again.content.decode()) and Evidence.objects.count() == 1
    html = client_for(alice).get(reverse("ui:factcheck_list", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Linked as evidence" in html


def test_the_fact_checks_are_refused_like_the_rest(feed, claim, users, client_for):
    factcheck = ReferenceFactCheck.objects.first()
    listing = reverse("ui:factcheck_list", args=[claim.pk])
    link = reverse("ui:factcheck_link", args=[claim.pk, factcheck.pk])
    anonymous = Client()
    for response in (anonymous.get(listing), anonymous.post(link)):
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client_for(users["charlie"]).get(listing).status_code == 404
    assert client_for(users["charlie"]).post(link).status_code == 404
    # Researchers may read the matches of a claim they see, not cite them.
    assert client_for(users["rhea"]).get(listing, HTTP_HX_REQUEST="true").status_code == 200
    assert client_for(users["rhea"]).post(link).status_code == 403
    # A fact check of another project is not found, whatever its id.
    missing = reverse("ui:factcheck_link", args=[claim.pk, 987_654_321])
    assert client_for(users["alice"]).post(missing).status_code == 404
    assert Evidence.objects.count() == 0


def test_a_manager_uploads_a_feed_on_the_import_page(project, users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from annotations.models import Job
    from annotations.services.imports import import_job_work
    from annotations.services.jobs import job_run

    settings.MEDIA_ROOT = tmp_path / "media"
    data = (FEED.parent / "google_factcheck_api.json").read_bytes()
    response = _client(users["max"]).post(
        reverse("ui:import", args=[project.slug]), {"file": SimpleUploadedFile("export.json", data)}
    )
    assert response.status_code == 302
    job = job_run(Job.objects.get().pk, import_job_work)
    assert job is not None and job.status == "succeeded" and job.result["factchecks"] is True
    page = unescape(_client(users["max"]).get(reverse("ui:job", args=[job.pk])).content.decode())
    assert "fact checks read" in page and ReferenceFactCheck.objects.count() == 3
