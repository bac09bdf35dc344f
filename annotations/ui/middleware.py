"""A job queue that cannot be reached, shown to people in the UI and the admin as a message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from ..services.jobs import JobQueueUnavailable


class JobQueueUnavailableMiddleware:
    """A job start that found the broker down goes to the failed job's page, with a message.

    Every job start (import, suggest, retrain, agreement, release, retry) raises
    JobQueueUnavailable from the commit that would have sent the job, once the job row is failed
    with the reason. Catching it here rather than in each view and admin action that starts a
    job covers them all, new ones included. The job's page is the useful place to land: it shows
    the job failed, why, and (to managers) its Retry button; a 503 page would only say "later".
    The API answers its own JSON 503 (annotations/api/exceptions.py), so its routes are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, JobQueueUnavailable):
            return None
        match = request.resolver_match
        namespace = match.namespace if match is not None else ""
        if namespace == "api":
            return None
        messages.error(request, str(exception), fail_silently=True)
        if namespace == "admin":
            url = reverse("admin:annotations_job_change", args=[exception.job_id])
        else:
            url = reverse("ui:job", args=[exception.job_id])
        if getattr(request, "htmx", False):
            # htmx would swap a followed redirect into the target; make the browser go there.
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
