"""Whole-project archives in the UI: a manager downloads one; someone who may create projects
uploads one, which becomes a new project filled by a job (see annotations.services.archive)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ....api.views.archives import archive_response
from ....services.archive_jobs import archive_import_start
from ...forms_manage import add_service_errors
from ..common import member_view
from .base import TEMPLATES, project_for


class ArchiveImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Project archive"),
                           help_text=gettext_lazy("A .zip downloaded from a project's settings or written by export_project."))
    slug = forms.SlugField(label=gettext_lazy("Short name in addresses"), max_length=80, required=False,
                           help_text=gettext_lazy("Empty: the archive's own."))


@member_view
@require_GET
def project_archive(request: HttpRequest, slug: str) -> FileResponse:
    """The project's archive as a download. Managers only."""
    project, _roles = project_for(request, slug)
    return archive_response(project, request.user)


@member_view
@require_http_methods(["GET", "POST"])
def project_import(request: HttpRequest) -> HttpResponse:
    """Upload an archive: the project is made at once, a job fills it. add_project only."""
    user = request.user
    if not (user.is_active and user.has_perm("annotations.add_project")):
        raise PermissionDenied(_("You may not create projects."))
    form = ArchiveImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = archive_import_start(by=user, upload=form.cleaned_data["file"],
                                       slug=form.cleaned_data["slug"] or None)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Archive received: project “%(slug)s” is being filled.")
                             % {"slug": job.project.slug})
            return redirect("ui:job", job_id=job.pk)
    return render(request, TEMPLATES + "project_import.html", {"form": form}, status=400 if form.errors else 200)
