"""The home page: the user's projects with their own progress and the project's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ... import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """List the projects the user belongs to."""
    overviews = selectors.project_overviews(request.user)
    return render(request, "annotations/ui/home.html", {"overviews": overviews})
