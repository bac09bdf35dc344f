"""Importing from the UI, the jobs list, a job's page and its live progress partial."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.models import Article, DatasetRelease, Job, JobKind, JobStatus
from annotations.services.imports import import_job_work
from annotations.services.jobs import job_run
from annotations.services.suggestions import suggest_job_work
from tests.ui.fixtures_manage import *  # noqa: F401,F403
from tests.ui.fixtures_manage import assert_refused, upload

pytestmark = pytest.mark.django_db

GOOD_JSONL = "\n".join(json.dumps(row, ensure_ascii=False) for row in [
    {"title": "Sommet d'Anchorage", "body": "Le sommet a eu lieu le 15 août 2025 à Anchorage.", "outlet": "Le Monde"},
    {"title": "Concessions", "body": "JD Vance a affirmé que la Russie avait fait d'importantes concessions."},
    {"title": "Doublon", "body": "Le sommet a eu lieu le 15 août 2025 à Anchorage."},
]) + "\n"

BAD_JSONL = (
    json.dumps({"title": "Bon", "body": "Un texte valide."}) + "\n"
    + json.dumps({"title": "Sans texte"}) + "\n"
    + json.dumps({"body": "Daté", "published_on": "hier"}) + "\n"
)


def make_job(project, by, *, kind=JobKind.IMPORT, status=JobStatus.RUNNING, **fields) -> Job:
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    return Job.objects.create(
        project=project, kind=kind, status=status, created_by=by,
        finished_at=timezone.now() if finished else None, **fields,
    )


def post_import(client: Client, project, name: str, content: str, **extra):
    return client.post(reverse("ui:import", args=[project.slug]), {"file": upload(name, content), **extra})


# --- the import page ---------------------------------------------------------------------------


def test_import_page_access(people, project):
    assert_refused(people, reverse("ui:import", args=[project.slug]), allowed={"max"})


def test_a_manager_imports_a_file_and_follows_the_job(people, project, max_, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_import(people["max"], project, "articles.jsonl", GOOD_JSONL)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:job", args=[job.pk])
    assert (job.kind, job.status, job.created_by, job.params.get("suggest")) == (
        JobKind.IMPORT, JobStatus.QUEUED, max_, False
    )
    assert len(callbacks) == 1  # queued once, on commit
    queued = people["max"].get(response["Location"]).content.decode()
    assert "hx-trigger=\"every 1s\"" in queued and "articles.jsonl" in queued

    job_run(job.pk, import_job_work)
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "<strong>3</strong> articles read" in page
    assert "<strong>2</strong> imported" in page
    assert "<strong>1</strong> duplicate skipped" in page  # one: singular
    assert "<td>articles.jsonl</td><td class=\"num\">3</td><td>Doublon</td>" in page
    assert "every 1s" not in page  # finished: its progress polls no more (the bell keeps its own refresh)
    assert Article.objects.filter(project=project).count() == 2


def test_a_bad_file_is_refused_at_upload_naming_lines_and_columns(people, project, media):
    response = post_import(people["max"], project, "bad.jsonl", BAD_JSONL)
    assert response.status_code == 400
    page = response.content.decode()
    assert "bad.jsonl, line 2, field &#x27;body&#x27;: missing or empty" in page  # the first bad line
    assert not Job.objects.exists() and not Article.objects.exists()


def test_a_bad_line_past_the_upload_check_fails_the_job_and_its_page_lists_it(people, project, media):
    good = "".join(json.dumps({"title": f"T{i}", "body": "Un texte valide. " * 20}) + "\n" for i in range(300))
    assert len(good.encode()) > 64 * 1024  # past what the upload check reads
    post_import(people["max"], project, "bad.jsonl", good + BAD_JSONL)
    job = Job.objects.get()
    job_run(job.pk, import_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not Article.objects.exists()
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "Refused: 2 bad lines; nothing was imported." in page
    assert '<td>bad.jsonl</td><td class="num">302</td><td>body</td>' in page
    assert '<td>bad.jsonl</td><td class="num">303</td><td>published_on</td>' in page
    assert "bad.jsonl: refused, 2 bad lines; nothing was imported" in page


def test_the_job_page_counts_errors_beyond_those_listed(people, project, max_):
    errors = [{"file": "big.csv", "line": i, "field": "body", "message": "missing or empty"} for i in range(2, 12)]
    job = make_job(
        project, max_, status=JobStatus.FAILED, error="big.csv: refused, 2500 bad lines; nothing was imported",
        result={"refused": True, "error_count": 2500, "errors": errors},
    )
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert page.count('<td>big.csv</td>') == 10
    assert "… and 2490 more bad lines, not listed." in page


def test_import_form_errors_are_shown_and_nothing_is_queued(people, project, media):
    response = people["max"].post(reverse("ui:import", args=[project.slug]), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = post_import(people["max"], project, "articles.pdf", "%PDF")
    assert response.status_code == 400
    assert ".pdf" in response.content.decode()
    response = post_import(people["max"], project, "articles.jsonl", GOOD_JSONL, format="xml")
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_import_posts_are_for_managers_with_a_csrf_token(people, project, max_, media):
    for who, code in [("alice", 403), ("rita", 403), ("rhea", 403), ("charlie", 404), ("anonymous", 302)]:
        assert post_import(people[who], project, "a.jsonl", GOOD_JSONL).status_code == code
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(max_)
    assert post_import(strict, project, "a.jsonl", GOOD_JSONL).status_code == 403
    assert not Job.objects.exists()


def test_suggest_after_import_is_asked_for_on_the_form(people, project, media):
    post_import(people["max"], project, "articles.jsonl", GOOD_JSONL, suggest="on")
    job = Job.objects.get()
    assert job.params["suggest"] is True
    job_run(job.pk, import_job_work)
    suggest = Job.objects.get(kind=JobKind.SUGGEST)
    assert suggest.params["import_job"] == job.pk


def test_unticking_suggest_overrides_the_project_setting_for_one_import(people, project, media):
    project.suggest_on_import = True
    project.save()
    page = people["max"].get(reverse("ui:import", args=[project.slug])).content.decode()
    assert 'name="suggest" id="id_suggest" checked' in page  # the project's setting is the default
    post_import(people["max"], project, "articles.jsonl", GOOD_JSONL)
    job = Job.objects.get()
    job_run(job.pk, import_job_work)
    assert not Job.objects.filter(kind=JobKind.SUGGEST).exists()


# --- the jobs list -------------------------------------------------------------------------------


def test_jobs_page_access(people, project):
    assert_refused(people, reverse("ui:jobs", args=[project.slug]), allowed={"max"})


def test_jobs_are_listed_newest_first_and_paginated(people, project, max_):
    jobs = [make_job(project, max_, status=JobStatus.SUCCEEDED) for _ in range(27)]
    url = reverse("ui:jobs", args=[project.slug])
    first = people["max"].get(url).content.decode()
    assert f'href="{reverse("ui:job", args=[jobs[-1].pk])}"' in first
    assert f'href="{reverse("ui:job", args=[jobs[1].pk])}"' not in first
    assert "Page 1 of 2" in first
    second = people["max"].get(url + "?page=2").content.decode()
    assert f'href="{reverse("ui:job", args=[jobs[0].pk])}"' in second


def test_only_unfinished_jobs_poll_on_the_list(people, project, max_):
    running = make_job(project, max_, status=JobStatus.RUNNING, phase="importing", progress_done=5, progress_total=10)
    make_job(project, max_, status=JobStatus.SUCCEEDED)
    make_job(project, max_, status=JobStatus.FAILED, error="boom")
    page = people["max"].get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert page.count('hx-trigger="every 1s"') == 1
    assert f'hx-get="{reverse("ui:job_progress", args=[running.pk])}"' in page
    assert 'value="50"' in page and "5 / 10" in page


def test_jobs_page_query_count_does_not_grow_with_jobs(people, project, max_, django_assert_max_num_queries):
    url = reverse("ui:jobs", args=[project.slug])
    for _ in range(3):
        make_job(project, max_)
    with django_assert_max_num_queries(10) as few:
        people["max"].get(url)
    for _ in range(20):
        make_job(project, max_, status=JobStatus.SUCCEEDED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        people["max"].get(url)


def test_other_projects_jobs_are_not_listed(people, project, max_, users):
    from annotations.models import Project
    from annotations.services.projects import default_scheme

    other = Project.objects.create(name="Autre", slug="autre", scheme=default_scheme())
    hidden = make_job(other, users["charlie"])
    page = people["max"].get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert reverse("ui:job", args=[hidden.pk]) not in page
    assert people["max"].get(reverse("ui:job", args=[hidden.pk])).status_code == 404


# --- a job's page and its progress partial -------------------------------------------------------


def test_job_page_and_partial_access(people, project, max_):
    job = make_job(project, max_)
    assert_refused(people, reverse("ui:job", args=[job.pk]), allowed={"max"})
    assert_refused(people, reverse("ui:job_progress", args=[job.pk]), allowed={"max"})
    assert people["max"].get(reverse("ui:job", args=[9999])).status_code == 404


def test_the_progress_partial_polls_while_running_and_stops_once_finished(people, project, max_):
    job = make_job(project, max_, status=JobStatus.RUNNING, phase="validating", progress_done=3, progress_total=12)
    url = reverse("ui:job_progress", args=[job.pk])
    running = people["max"].get(url, headers={"HX-Request": "true"})
    text = running.content.decode()
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in text and f'hx-get="{url}"' in text
    assert 'value="25"' in text and "validating" in text
    assert "<html" not in text  # a fragment, not a page

    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())
    done = people["max"].get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode() and "hx-get" not in done.content.decode()
    assert 'value="100"' in done.content.decode()
    assert "HX-Refresh" not in done  # the list only swaps the bar
    on_detail = people["max"].get(url + "?on=detail", headers={"HX-Request": "true"})
    assert on_detail["HX-Refresh"] == "true"  # the job page reloads once to show the outcome
    assert "hx-trigger" not in on_detail.content.decode()


def test_a_queued_job_shows_an_indeterminate_bar(people, project, max_):
    job = make_job(project, max_, status=JobStatus.QUEUED)
    text = people["max"].get(reverse("ui:job_progress", args=[job.pk])).content.decode()
    assert "Queued" in text and "<progress aria-label" in text and 'hx-trigger="every 1s"' in text


def test_job_error_and_result_text_are_escaped(people, project, max_):
    job = make_job(
        project, max_, status=JobStatus.FAILED, error='<script>alert("job")</script>',
        result={"refused": True, "error_count": 1, "errors": [
            {"file": "<b>f</b>.jsonl", "line": 1, "field": "<i>body</i>", "message": "<script>alert(2)</script>"}
        ]},
    )
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "<script>alert" not in page and "<b>f</b>" not in page and "<i>body</i>" not in page
    assert "&lt;script&gt;alert(&quot;job&quot;)&lt;/script&gt;" in page
    listing = people["max"].get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert "<script>alert" not in listing


def test_an_export_jobs_page_links_to_its_release(people, project, max_):
    job = make_job(project, max_, kind=JobKind.EXPORT, status=JobStatus.SUCCEEDED)
    release = DatasetRelease.objects.create(project=project, version="1.0", job=job, created_by=max_)
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "Release <strong>1.0</strong> is ready." in page
    assert f'href="/releases/{release.pk}/"' in page


def test_job_page_query_count(people, project, max_, django_assert_max_num_queries):
    errors = [{"file": "f.csv", "line": i, "field": "body", "message": "missing"} for i in range(500)]
    job = make_job(project, max_, status=JobStatus.FAILED, result={"refused": True, "error_count": 500, "errors": errors})
    with django_assert_max_num_queries(8):
        assert people["max"].get(reverse("ui:job", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(6):
        assert people["max"].get(reverse("ui:job_progress", args=[job.pk])).status_code == 200


# --- starting suggestion and retrain jobs --------------------------------------------------------


@pytest.mark.parametrize("name, kind", [("ui:suggest_start", JobKind.SUGGEST), ("ui:retrain_start", JobKind.RETRAIN)])
def test_managers_start_suggest_and_retrain_jobs_with_a_post(people, project, max_, name, kind):
    url = reverse(name, args=[project.slug])
    assert people["max"].get(url).status_code == 405
    for who, code in [("alice", 403), ("rita", 403), ("rhea", 403), ("charlie", 404), ("anonymous", 302)]:
        assert people[who].post(url).status_code == code
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(max_)
    assert strict.post(url).status_code == 403
    assert not Job.objects.exists()
    response = people["max"].post(url)
    job = Job.objects.get()
    assert (job.kind, job.created_by, job.status) == (kind, max_, JobStatus.QUEUED)
    assert response["Location"] == reverse("ui:job", args=[job.pk])


def test_a_suggest_jobs_page_shows_what_it_suggested(people, project, article, max_):
    people["max"].post(reverse("ui:suggest_start", args=[project.slug]))
    job = Job.objects.get()
    job_run(job.pk, suggest_job_work)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    suggested = job.result["suggested"]
    assert f"<strong>{suggested}</strong> {'claim' if suggested == 1 else 'claims'} suggested" in page
    assert "<strong>1</strong> article read" in page and "1</strong> articles" not in page


def test_a_refused_retrain_explains_why(people, project, max_):
    from annotations.services.suggestions import retrain_job_work

    people["max"].post(reverse("ui:retrain_start", args=[project.slug]))
    job = Job.objects.get()
    job_run(job.pk, retrain_job_work)
    page = people["max"].get(reverse("ui:job", args=[job.pk])).content.decode()
    assert "Why it failed" in page
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error


def test_refusals_at_upload_are_in_the_readers_language(people, project, media, settings):
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    client = people["max"]
    response = client.post(reverse("ui:import", args=[project.slug]), {"file": upload("bad.jsonl", BAD_JSONL)}, **french)
    assert response.status_code == 400
    page = response.content.decode()
    assert "bad.jsonl, ligne 2, champ &#x27;body&#x27; : manquant ou vide" in page, page
    assert "missing or empty" not in page
    response = client.post(reverse("ui:import", args=[project.slug]), {"file": upload("articles.pdf", "%PDF")}, **french)
    page = response.content.decode()
    assert response.status_code == 400 and "articles.pdf : impossible de reconnaître le format" in page, page
    assert "cannot tell the format" not in page
    settings.IMPORT_MAX_UPLOAD_BYTES = 2048
    response = client.post(reverse("ui:import", args=[project.slug]), {"file": upload("big.jsonl", GOOD_JSONL * 10)}, **french)
    page = response.content.decode()
    assert response.status_code == 400 and "plus que les 2.0 KB qu’une importation peut contenir" in page, page
    assert "an import may hold" not in page
    assert not Job.objects.exists() and not Article.objects.exists()
