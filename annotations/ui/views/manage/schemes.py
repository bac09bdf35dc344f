"""The project's verdict scheme in the app: labels, colours, hotkeys and mappings, before annotation starts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ....models import AveritecLabel, FeverLabel
from ....services.schemes import VERDICT_FIELDS, project_scheme_update, scheme_locked_reason
from ..common import AuthenticatedHttpRequest, member_view
from .base import page_context, project_for

TEMPLATES = "annotations/ui/manage/"
BLANK_ROWS = 2


def _posted_rows(post: Any) -> list[dict[str, Any]]:
    """The table's rows as posted (each input repeats once per row); fully blank rows are dropped."""
    columns = {name: post.getlist(name) for name in VERDICT_FIELDS}
    n = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(min(n, 100)):
        row = {name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in VERDICT_FIELDS}
        if not any(row.values()):
            continue
        row["claimreview_rating"] = row["claimreview_rating"] or None
        rows.append(row)
    return rows


@member_view
@require_http_methods(["GET", "POST"])
def scheme_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Edit the verdicts; refused with the reason once verdicts were given. Managers only."""
    project, roles = project_for(request, slug)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        rows = _posted_rows(request.POST)
        try:
            project_scheme_update(project=project, by=request.user, rows=rows)
        except ValidationError as exc:
            errors, status = list(exc.messages), 400
        else:
            messages.success(request, _("The verdict scheme was saved."))
            return redirect("ui:scheme_edit", slug=project.slug)
    else:
        project.refresh_from_db(fields=["scheme"])
        rows = [{name: getattr(v, name) for name in VERDICT_FIELDS} for v in project.scheme.verdicts.all()]
    blank = {name: "" for name in VERDICT_FIELDS}
    context = page_context(
        project, roles, request.user, "scheme", rows=rows + [blank] * BLANK_ROWS, errors=errors,
        locked=scheme_locked_reason(project), scheme=project.scheme,
        fever_labels=FeverLabel.choices, averitec_labels=AveritecLabel.choices,
    )
    return render(request, TEMPLATES + "scheme.html", context, status=status)
