"""Releases through the API: listing, the card, building one (the job, run here inline),
streamed downloads with length and checksum, deletion."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import DatasetRelease, Job, ReleaseFile
from annotations.services import jobs, releases
from tests.api.conftest import RELEASE_BYTES

pytestmark = pytest.mark.django_db


def test_researcher_lists_and_reads_releases(client_for, release) -> None:
    rhea = client_for("rhea")
    listed = rhea.get("/api/v1/releases/?project=test").json()["results"]
    assert [r["version"] for r in listed] == ["v1"]
    assert rhea.get("/api/v1/releases/").json()["results"][0]["id"] == release.pk
    item = listed[0]["files"][0]
    assert item["format"] == "jsonl" and item["name"] == "test-v1.jsonl"
    assert item["sha256"] == hashlib.sha256(RELEASE_BYTES).hexdigest()
    assert item["download_url"].startswith("http://testserver/api/v1/release-files/")
    detail = rhea.get(f"/api/v1/releases/{release.pk}/").json()
    assert detail["card"] == "# test v1" and detail["counts"] == {"claims": 100}
    assert client_for("alice").get("/api/v1/releases/").json()["results"] == []


def test_download_streams_with_length_and_checksums(client_for, release) -> None:
    item = release.files.get()
    response = client_for("rhea").get(f"/api/v1/release-files/{item.pk}/download/")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body == RELEASE_BYTES
    digest = hashlib.sha256(body).digest()
    assert response["Content-Length"] == str(len(RELEASE_BYTES))
    assert response["X-Checksum-SHA256"] == digest.hex()
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert 'filename="test-v1.jsonl"' in response["Content-Disposition"]


def test_missing_file_is_404(client_for, release, settings) -> None:
    item = release.files.get()
    (settings.MEDIA_ROOT / item.file.name).unlink()
    assert client_for("rhea").get(f"/api/v1/release-files/{item.pk}/download/").status_code == 404


def test_release_list_queries_do_not_grow(client_for, release, project, users) -> None:
    client = client_for("rhea")
    client.get("/api/v1/projects/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/releases/?project=test")
    for n in range(2, 8):
        extra = DatasetRelease.objects.create(project=project, version=f"v{n}", created_by=users["max"])
        for fmt in ("jsonl", "csv"):
            ReleaseFile.objects.create(release=extra, format=fmt, file=f"x/{n}.{fmt}", size=1, sha256="0" * 64)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/releases/?project=test")
    assert len(response.json()["results"]) == 7
    assert len(one) == len(many) <= 6


def test_bad_release_requests_are_400_and_queue_nothing(client_for, release) -> None:
    max_ = client_for("max")
    taken = max_.post("/api/v1/releases/", {"project": "test", "version": "v1"}, format="json")
    assert taken.status_code == 400 and "version" in taken.json()
    bad_format = max_.post("/api/v1/releases/", {"project": "test", "version": "v2", "formats": ["pdf"]},
                           format="json")
    assert bad_format.status_code == 400 and "formats" in bad_format.json()
    bad_filter = max_.post("/api/v1/releases/", {"project": "test", "version": "v2",
                                                 "filters": {"min_agreement": 7}}, format="json")
    assert bad_filter.status_code == 400 and "min_agreement" in bad_filter.json()
    assert not Job.objects.filter(kind="export").exists()


def test_build_download_and_delete_a_release(client_for, work, settings, tmp_path) -> None:
    """The manager builds a release over the API (its job run inline), the researcher downloads
    it and checks it against its checksum, the manager deletes it."""
    settings.MEDIA_ROOT = tmp_path
    max_, rhea = client_for("max"), client_for("rhea")
    queued = max_.post("/api/v1/releases/", {"project": "test", "version": "2025-09",
                                             "formats": ["jsonl", "fever"]}, format="json")
    assert queued.status_code == 202, queued.content
    job_id = queued.json()["id"]
    jobs.job_run(job_id, releases.release_job_work)
    job = max_.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "succeeded", job

    (listed,) = rhea.get("/api/v1/releases/?project=test").json()["results"]
    files = {f["format"]: f for f in listed["files"]}
    assert {"jsonl", "fever"} <= set(files)
    response = rhea.get(files["jsonl"]["download_url"])
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == files["jsonl"]["sha256"] == response["X-Checksum-SHA256"]
    records = [json.loads(line) for line in body.decode().splitlines()]
    assert [r["id"] for r in records] == [work["adjudication"].claim_id]  # adjudicated only

    assert rhea.delete(f"/api/v1/releases/{listed['id']}/").status_code == 403
    assert max_.delete(f"/api/v1/releases/{listed['id']}/").status_code == 204
    assert not DatasetRelease.objects.exists()


def test_a_release_with_nothing_in_it_is_refused_with_a_message(client_for, project) -> None:
    response = client_for("max").post("/api/v1/releases/", {"project": "test", "version": "v9"}, format="json")
    assert response.status_code == 400
    assert "Nothing to release" in json.dumps(response.json())
    assert not Job.objects.exists()


def test_researchers_read_the_links_between_adjudicated_claims(client_for, work, claim, claim2, verdicts, users) -> None:
    from annotations.models import Adjudication, AdjudicationMethod

    rhea = client_for("rhea")
    url = f"/api/v1/claim-relations/{work['relation'].pk}/"
    assert rhea.get(url).status_code == 404  # claim is not adjudicated yet
    Adjudication.objects.create(claim=claim, verdict=verdicts[work["codes"][1]], adjudicator=users["rita"],
                                method=AdjudicationMethod.ADJUDICATED)
    assert rhea.get(url).json()["kind"] == "contradicts"
    assert [r["id"] for r in rhea.get("/api/v1/claim-relations/?project=test").json()["results"]] == [work["relation"].pk]
    assert rhea.delete(url).status_code == 403  # reading, never changing
    assert rhea.post("/api/v1/claim-relations/", {"source": claim.pk, "target": claim2.pk, "kind": "related"},
                     format="json").status_code == 403
