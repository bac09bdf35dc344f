"""Importing articles, starting suggestion jobs, watching every job of a project, cancelling and
retrying them."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .... import selectors
from ....access import roles_for
from ....models import (
    CANCELLABLE_STATUSES,
    FINISHED_STATUSES,
    RETRYABLE_STATUSES,
    DatasetRelease,
    JobKind,
    JobStatus,
)
from ....services.imports import UploadRefused, import_job_start
from ....services.jobs import job_cancel, job_retry
from ....services.suggestions import retrain_job_start, suggest_job_start
from ...forms_manage import ImportForm
from ...import_messages import describe_problem, translate_error, translate_problem
from ..common import AuthenticatedHttpRequest, member_view
from .base import TEMPLATES, page_context, project_for

JOBS_PER_PAGE = 25
# Which statuses offer Cancel and which Retry (the template's _job_actions.html reads them).
JOB_ACTIONS = {"cancellable": CANCELLABLE_STATUSES, "retryable": RETRYABLE_STATUSES}


@member_view
def import_articles(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Upload a file of articles; a background job imports it and its page shows how it went."""
    project, roles = project_for(request, slug)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            # Pasted URLs are stored like an uploaded list of them.
            upload = data["file"] or ContentFile(data["urls"].encode(), name="urls.txt")
            try:
                job = import_job_start(
                    project=project, by=request.user, upload=upload,
                    format=data["format"] or None, suggest=data["suggest"],
                    spans_as=data["spans_as"] or None, day_first=data["day_first"] or None,
                    separator=data["separator"] or None, encoding=data["encoding"] or None,
                )
            except UploadRefused as exc:
                # What the file's first bytes show cannot be imported: said now, not on a job page,
                # in the reader's language (the service says it in English, as the API does).
                problem = exc.problem
                form.add_error("file", describe_problem(problem.file, problem.line, problem.field, problem.message))
                context = page_context(project, roles, request.user, "import", form=form)
                return render(request, TEMPLATES + "import.html", context, status=400)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, [translate_problem(e) for e in errors])
                context = page_context(project, roles, request.user, "import", form=form)
                return render(request, TEMPLATES + "import.html", context, status=400)
            messages.success(
                request, _("Import of “%(name)s” queued as job #%(job)s.")
                % {"name": upload.name, "job": job.pk},
            )
            return redirect("ui:job", job_id=job.pk)
    else:
        form = ImportForm(initial={"suggest": project.suggest_on_import})
    context = page_context(project, roles, request.user, "import", form=form)
    return render(request, TEMPLATES + "import.html", context, status=400 if form.errors else 200)


@member_view
@require_GET
def jobs(request: HttpRequest, slug: str) -> HttpResponse:
    """Every job of the project, newest first, with live progress for those still running."""
    project, roles = project_for(request, slug)
    page = Paginator(selectors.project_jobs(request.user, project), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = page_context(project, roles, request.user, "jobs", page=page, **JOB_ACTIONS,
                           retrain_refusal=selectors.retrain_refusal(request.user, project))
    return render(request, TEMPLATES + "jobs.html", context)


@member_view
@require_POST
def suggest_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queue a suggestion job over every article of the project."""
    project, _roles = project_for(request, slug)
    try:
        job = suggest_job_start(project=project, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("ui:jobs", slug=project.slug)
    messages.success(request, _("Suggestion job #%(job)s queued.") % {"job": job.pk})
    return redirect("ui:job", job_id=job.pk)


@member_view
@require_POST
def retrain_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queue a retrain of the project's suggestion model."""
    project, _roles = project_for(request, slug)
    job = retrain_job_start(project=project, by=request.user)
    messages.success(request, _("Retraining job #%(job)s queued.") % {"job": job.pk})
    return redirect("ui:job", job_id=job.pk)


@member_view
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job: its progress while it runs, then its outcome (counts, errors by line, release)."""
    job = selectors.job_get_for_user(request.user, job_id)
    project = job.project
    roles = roles_for(request.user, project)
    release = None
    if job.kind == JobKind.EXPORT:
        release = DatasetRelease.objects.filter(job=job).first()
    result = job.result or {}
    # Recorded in English by the worker; shown in the reader's language.
    errors = [{**e, "message": translate_error(e.get("field"), e.get("message") or "")} for e in result.get("errors") or []]
    context = page_context(
        project, roles, request.user, "jobs", job=job, result=result, release=release,
        input_name=PurePath(job.input_file.name).name if job.input_file.name else "",
        finished=job.status in FINISHED_STATUSES, errors=errors,
        more_errors=max(0, int(result.get("error_count") or 0) - len(errors)),
        duplicates=result.get("duplicate_lines") or [],
        more_duplicates=max(0, int(result.get("duplicates") or 0) - len(result.get("duplicate_lines") or [])),
        **JOB_ACTIONS,
    )
    return render(request, TEMPLATES + "job.html", context)


@member_view
@require_GET
def job_progress(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """The job's progress bar (a partial); it polls itself only while the job is unfinished."""
    job = selectors.job_get_for_user(request.user, job_id)
    finished = job.status in FINISHED_STATUSES
    detail = request.GET.get("on") == "detail"
    response = render(request, TEMPLATES + "_job_progress.html", {"job": job, "detail": detail})
    if finished and detail and request.htmx:
        # The job page shows the outcome below the bar: reload it once, now that there is one.
        response["HX-Refresh"] = "true"
    return response


@member_view
@require_POST
def job_cancel_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """Cancel a queued job, or ask a running one to stop; managers of its project only."""
    job = selectors.job_get_for_user(request.user, job_id)
    try:
        job = job_cancel(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        if job.status == JobStatus.CANCELLED:
            messages.success(request, _("Job #%(job)s cancelled.") % {"job": job.pk})
        else:
            messages.info(
                request, _("Job #%(job)s will stop at its next step and undo what it did so far.")
                % {"job": job.pk},
            )
    return redirect("ui:job", job_id=job.pk)


@member_view
@require_POST
def job_retry_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """Queue a failed or cancelled job again, same id and input; managers of its project only."""
    job = selectors.job_get_for_user(request.user, job_id)
    try:
        job = job_retry(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Job #%(job)s queued again.") % {"job": job.pk})
    return redirect("ui:job", job_id=job.pk)
