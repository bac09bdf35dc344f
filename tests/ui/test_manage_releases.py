"""Dataset releases in the UI: the list, a new release, one release, downloads and deletion."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import (
    Adjudication,
    Article,
    AdjudicationMethod,
    Annotation,
    DatasetRelease,
    Job,
    JobKind,
    JobStatus,
    ReleaseFile,
)
from annotations.selectors.releases import RELEASE_FORMATS
from annotations.services.jobs import job_run
from annotations.services.releases import release_job_work
from tests.ui.fixtures_manage import *  # noqa: F401,F403
from tests.ui.fixtures_manage import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def adjudicated(claim, alice, bob, rita, verdicts):
    """The claim judged by both annotators and adjudicated by the reviewer."""
    Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"], rationale="Dit par Lavrov.")
    Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts["supported"])
    return Adjudication.objects.create(
        claim=claim, verdict=verdicts["supported"], adjudicator=rita, method=AdjudicationMethod.ADJUDICATED
    )


@pytest.fixture
def built(people, project, adjudicated, media) -> DatasetRelease:
    """Release 1.0 built through the UI's form and the release job, run inline."""
    response = people["max"].post(reverse("ui:releases", args=[project.slug]), {
        "version": "1.0", "formats": ["jsonl", "csv"], "adjudicated_only": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    job = Job.objects.get(kind=JobKind.EXPORT)
    done = job_run(job.pk, release_job_work)
    assert done.status == JobStatus.SUCCEEDED, done.error
    return DatasetRelease.objects.get(project=project, version="1.0")


def test_releases_page_access(people, project):
    assert_refused(people, reverse("ui:releases", args=[project.slug]), allowed={"max", "rita", "rhea"})


def test_only_managers_get_the_new_release_form(people, project):
    url = reverse("ui:releases", args=[project.slug])
    assert 'name="version"' in people["max"].get(url).content.decode()
    for who in ("rita", "rhea"):
        assert 'name="version"' not in people[who].get(url).content.decode()


def test_a_manager_starts_a_release_with_formats_and_filters(people, project, max_, verdicts, adjudicated):
    Article.objects.filter(pk=adjudicated.claim.article_id).update(published_on="2025-08-16")
    response = people["max"].post(reverse("ui:releases", args=[project.slug]), {
        "version": "2025-08", "formats": ["fever", "jsonl"], "min_agreement": "0.5",
        "verdicts": ["supported", "refuted"], "date_from": "2025-08-01", "date_to": "2025-08-31",
    })
    job = Job.objects.get()
    assert response["Location"] == reverse("ui:job", args=[job.pk])
    assert (job.kind, job.status, job.created_by) == (JobKind.EXPORT, JobStatus.QUEUED, max_)
    assert job.params["version"] == "2025-08"
    assert job.params["formats"] == [f for f in RELEASE_FORMATS if f in ("fever", "jsonl")]
    assert job.params["filters"] == {
        "include_unadjudicated": True, "min_agreement": 0.5, "verdicts": ["supported", "refuted"],
        "since": "2025-08-01", "until": "2025-08-31",
    }
    assert job.params["base_url"] == "http://testserver"


def test_release_requests_are_for_managers_only_with_csrf(people, project, max_):
    url = reverse("ui:releases", args=[project.slug])
    data = {"version": "1.0", "formats": ["jsonl"], "adjudicated_only": "on"}
    for who, code in [("alice", 403), ("rita", 403), ("rhea", 403), ("charlie", 404), ("anonymous", 302)]:
        assert people[who].post(url, data).status_code == code
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(max_)
    assert strict.post(url, data).status_code == 403
    assert not Job.objects.exists()


def test_a_bad_release_request_shows_its_errors_and_starts_nothing(people, project, max_):
    DatasetRelease.objects.create(project=project, version="1.0", created_by=max_)
    url = reverse("ui:releases", args=[project.slug])
    response = people["max"].post(url, {
        "version": "../etc", "formats": [], "min_agreement": "2", "date_from": "2025-09-01",
        "date_to": "2025-08-01", "verdicts": ["nope"],
    })
    text = response.content.decode()
    assert response.status_code == 400
    assert "Letters, digits, dots, hyphens and underscores" in text
    assert "This field is required." in text  # formats
    assert "Ensure this value is less than or equal to 1." in text
    assert "The end of the range comes before its start." in text
    assert "Select a valid choice" in text
    response = people["max"].post(url, {"version": "1.0", "formats": ["jsonl"], "adjudicated_only": "on"})
    assert response.status_code == 400
    assert "This project already has a release 1.0." in response.content.decode()
    assert not Job.objects.exists()


def test_a_built_release_is_listed_linked_from_its_job_and_shown_with_its_files(people, project, built):
    listing = people["rhea"].get(reverse("ui:releases", args=[project.slug])).content.decode()
    assert f'href="{reverse("ui:release", args=[built.pk])}"' in listing
    job_page = people["max"].get(reverse("ui:job", args=[built.job_id])).content.decode()
    assert "Release <strong>1.0</strong> is ready." in job_page
    page = people["rhea"].get(reverse("ui:release", args=[built.pk])).content.decode()
    for item in built.files.all():
        assert reverse("ui:release_download", args=[item.pk]) in page
        assert item.sha256 in page
    assert "## Selection" in built.card
    assert "<h2>Selection</h2>" in page and "## Selection" not in page  # the card's Markdown, rendered
    assert "Delete" not in page  # researchers cannot delete
    assert "Delete" in people["max"].get(reverse("ui:release", args=[built.pk])).content.decode()


def test_release_page_access(people, project, max_):
    release = DatasetRelease.objects.create(project=project, version="1.0", created_by=max_)
    assert_refused(people, reverse("ui:release", args=[release.pk]), allowed={"max", "rita", "rhea"})
    assert people["max"].get(reverse("ui:release", args=[9999])).status_code == 404


def test_a_download_streams_the_file_with_its_length_and_checksum(people, built):
    item = built.files.get(format="jsonl")
    url = reverse("ui:release_download", args=[item.pk])
    assert_refused(people, url, allowed={"max", "rita", "rhea"})
    response = people["rhea"].get(url)
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert int(response["Content-Length"]) == item.size == len(body)
    assert response["X-Checksum-SHA256"] == item.sha256 == hashlib.sha256(body).hexdigest()
    assert response["Content-Disposition"].startswith("attachment;")
    assert "test-1.0" in response["Content-Disposition"]
    assert b"Lavrov" in body
    assert people["rhea"].get(reverse("ui:release_download", args=[9999])).status_code == 404


def test_a_manager_deletes_a_release_after_confirming(people, project, built, max_):
    url = reverse("ui:release_delete", args=[built.pk])
    for who, code in [("rita", 403), ("rhea", 403), ("alice", 403), ("charlie", 404), ("anonymous", 302)]:
        assert people[who].get(url).status_code == code
        assert people[who].post(url).status_code == code
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(max_)
    assert strict.post(url).status_code == 403
    confirm = people["max"].get(url)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert DatasetRelease.objects.filter(pk=built.pk).exists()
    response = people["max"].post(url)
    assert response["Location"] == reverse("ui:releases", args=[project.slug])
    assert not DatasetRelease.objects.filter(pk=built.pk).exists()
    assert not ReleaseFile.objects.exists()
    job_page = people["max"].get(reverse("ui:job", args=[built.job_id])).content.decode()
    assert "has since been deleted" in job_page


def test_release_card_and_figures_are_escaped(people, project, max_):
    release = DatasetRelease.objects.create(
        project=project, version="x1", created_by=max_,
        card='# Carte\n\n<script>alert("card")</script> <img src=x onerror="alert(1)">',
        counts={"claims": 1, "verdicts": {"<b>v</b>": 1}}, agreement={"note": "<i>x</i>"},
    )
    page = people["rhea"].get(reverse("ui:release", args=[release.pk])).content.decode()
    assert '<script>alert("card")' not in page and "onerror" not in page
    assert "<b>v</b>" not in page and "<i>x</i>" not in page
    assert "&lt;b&gt;v&lt;/b&gt;" in page
    assert "<h1>Carte</h1>" in page


def test_releases_list_query_count_does_not_grow_with_releases(
    people, project, max_, django_assert_max_num_queries
):
    url = reverse("ui:releases", args=[project.slug])

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            release = DatasetRelease.objects.create(project=project, version=f"v{i}", created_by=max_, counts={"claims": i})
            ReleaseFile.objects.create(release=release, format="jsonl", file=f"releases/test/v{i}/a.jsonl", size=1, sha256="0" * 64)

    make(2, 0)
    with django_assert_max_num_queries(12) as few:
        assert people["max"].get(url).status_code == 200
    make(25, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        people["max"].get(url)
    with django_assert_max_num_queries(len(few.captured_queries)):
        people["rhea"].get(url)


def test_release_page_query_count(people, built, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert people["rhea"].get(reverse("ui:release", args=[built.pk])).status_code == 200
    item = built.files.first()
    with django_assert_max_num_queries(5):
        people["rhea"].get(reverse("ui:release_download", args=[item.pk])).close()


@pytest.mark.parametrize(("language", "expected", "raw"), [
    ("en", ["Claims (JSONL)", "records", "left out: no final verdict", "How the final verdicts were reached",
            "Krippendorff&#x27;s alpha (nominal)", "adjudicated by a reviewer"], ["left_out", "krippendorff_alpha"]),
    ("fr", ["Affirmations (JSONL)", "enregistrements", "écartées : aucun verdict final",
            "Krippendorff (nominal)"], ["left_out", "records", "Claims (JSONL)"]),
])
def test_the_release_page_names_its_figures_in_the_readers_language(people, project, max_, language, expected, raw):
    release = DatasetRelease.objects.create(
        project=project, version="x2", created_by=max_,
        counts={"claims": 3, "methods": {"adjudicated": 2, "unanimous": 1},
                "formats": {"jsonl": {"records": 3, "left_out": {}},
                            "fever": {"records": 2, "left_out": {"no final verdict": 1}}}},
        agreement={"krippendorff_alpha_nominal": 0.5},
    )
    ReleaseFile.objects.create(release=release, format="jsonl", file="releases/test/x2/a.jsonl", size=1, sha256="0" * 64)
    people["rhea"].cookies["django_language"] = language
    page = people["rhea"].get(reverse("ui:release", args=[release.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in expected:
        assert text in page, text
    for text in raw:
        assert text not in page, text


def test_a_release_with_nothing_to_release_is_refused_on_the_form(people, project):
    response = people["max"].post(reverse("ui:releases", args=[project.slug]), {
        "version": "1.0", "formats": ["jsonl"], "adjudicated_only": "on",
    })
    assert response.status_code == 400
    assert "Nothing to release" in response.content.decode()
    assert not Job.objects.exists()


def test_claimreview_is_offered_once_the_project_has_a_public_address(people, project):
    url = reverse("ui:releases", args=[project.slug])
    form = people["max"].get(url).context["form"]
    assert "claimreview" not in form["formats"].initial and "jsonl" in form["formats"].initial
    project.public_base_url = "https://factcheck.example.org/checks/"
    project.save(update_fields=["public_base_url"])
    assert "claimreview" in people["max"].get(url).context["form"]["formats"].initial
