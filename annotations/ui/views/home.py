"""The home page: the user's projects with their own progress and the project's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from ... import selectors
from .common import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the projects the user belongs to."""
    overviews = selectors.project_overviews(request.user)
    return render(request, "annotations/ui/home.html", {"overviews": overviews})
