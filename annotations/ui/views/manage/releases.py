"""Dataset releases: the list, a new release (managers), one release with its card, downloads."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ....access import Capability, can, roles_for
from ....exporters import COMPANIONS
from ....models import Verdict
from ....selectors.releases import (
    RELEASE_FORMATS,
    release_file_get_for_user,
    release_get_for_user,
    releases_for_user,
)
from ....services.releases import release_default_formats, release_delete, release_job_start
from ...forms_manage import ReleaseForm, add_service_errors
from ...markdown import render_markdown
from ..common import AuthenticatedHttpRequest, member_view
from .base import TEMPLATES, page_context, project_for

RELEASES_PER_PAGE = 20
# Form fields → the keys of a release's filters (as the release job and the card read them).
FILTER_ERRORS = {
    "include_unadjudicated": "adjudicated_only", "since": "date_from", "until": "date_to",
    "min_agreement": "min_agreement", "verdicts": "verdicts",
}


def _filters(data: dict[str, Any]) -> dict[str, Any]:
    """The release job's filters from the form's cleaned data; unset filters are left out."""
    filters: dict[str, Any] = {"include_unadjudicated": not data["adjudicated_only"]}
    if data.get("min_agreement") is not None:
        filters["min_agreement"] = data["min_agreement"]
    if data.get("verdicts"):
        filters["verdicts"] = [v.code for v in data["verdicts"]]
    if data.get("date_from"):
        filters["since"] = data["date_from"].isoformat()
    if data.get("date_to"):
        filters["until"] = data["date_to"].isoformat()
    return filters


def _service_errors(form: ReleaseForm, exc: ValidationError) -> None:
    """The service's errors on the form's fields, under the names the form uses."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError({FILTER_ERRORS.get(k, k): v for k, v in exc.error_dict.items()})
    add_service_errors(form, exc)


@member_view
@require_http_methods(["GET", "POST"])
def releases(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The project's releases; managers start a new one here. Researchers, reviewers, managers."""
    project, roles = project_for(request, slug, Capability.RELEASES)
    may_manage = can(roles, Capability.MANAGE, user=request.user)
    form = None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("Only the project's managers make releases."))
        form = ReleaseForm(request.POST, project=project, formats=RELEASE_FORMATS, labels=FORMAT_LABELS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = release_job_start(
                    project=project, by=request.user, version=data["version"],
                    formats=list(data["formats"]), filters=_filters(data),
                    # ClaimReview records link back to the workbench at the address managers use.
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(
                    request, _("Release %(version)s is being built as job #%(job)s.")
                    % {"version": data["version"], "job": job.pk},
                )
                return redirect("ui:job", job_id=job.pk)
    elif may_manage:
        # ClaimReview is ticked only when the project has a public address for its fact checks.
        form = ReleaseForm(project=project, formats=RELEASE_FORMATS, labels=FORMAT_LABELS,
                           initial_formats=release_default_formats(project))
    page = Paginator(releases_for_user(request.user, project), RELEASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = page_context(project, roles, request.user, "releases", page=page, form=form)
    return render(
        request, TEMPLATES + "releases.html", context, status=400 if form and form.errors else 200
    )


def _flat(value: Any) -> Any:
    """A value for one table cell: nested objects and lists as short text, empty ones as a dash."""
    if isinstance(value, (dict, list, tuple)) and not value:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_flat(v)) for v in value)
    return value


def _card_parts(card: str) -> tuple[str, str]:
    """The card's YAML front matter (for dataset hubs) and its Markdown body, apart."""
    if card.startswith("---\n"):
        end = card.find("\n---\n", 4)
        if end != -1:
            return card[4:end], card[end + 5:]
    return "", card


# The data files in their usual order: the formats, each followed by the tables it brings.
FILE_ORDER = [name for fmt in RELEASE_FORMATS for name in (fmt, *COMPANIONS.get(fmt, ()))]


def _file_order(release_file: Any) -> tuple[int, int]:
    """The zip of everything first, then the data formats in their usual order, then the rest."""
    if release_file.format == "zip":
        return (0, 0)
    if release_file.format in FILE_ORDER:
        return (1, FILE_ORDER.index(release_file.format))
    return (2, 0)


# Readable names of a release's files, counts and figures (the stored keys are English ids).
FORMAT_LABELS = {
    "jsonl": gettext_lazy("Claims (JSONL)"), "parquet": gettext_lazy("Claims (Parquet)"), "csv": gettext_lazy("Claims (CSV, for spreadsheets)"),
    "xlsx": gettext_lazy("Claims (Excel workbook, exact text)"),
    "fever": gettext_lazy("FEVER (JSONL)"), "averitec": gettext_lazy("AVeriTeC (JSON)"), "claimreview": gettext_lazy("ClaimReview (JSON-LD)"),
    "articles": gettext_lazy("Articles (JSONL)"), "articles-parquet": gettext_lazy("Articles (Parquet)"),
    "relations": gettext_lazy("Claim relations (JSONL)"), "relations-parquet": gettext_lazy("Claim relations (Parquet)"),
    "pairs": gettext_lazy("Claim pairs for NLI (JSONL)"), "pairs-parquet": gettext_lazy("Claim pairs for NLI (Parquet)"),
    "card": gettext_lazy("Dataset card (README.md)"), "sha256sums": gettext_lazy("Checksums (SHA256SUMS)"), "zip": gettext_lazy("Everything (zip)"),
}
FIGURE_LABELS = {
    # counts
    "claims": gettext_lazy("Claims"), "articles": gettext_lazy("Articles"), "languages": gettext_lazy("Languages"),
    "annotations": gettext_lazy("Annotations"), "annotators": gettext_lazy("Annotators"),
    "unadjudicated": gettext_lazy("Claims without a final verdict"), "verdicts": gettext_lazy("Final verdicts"),
    "methods": gettext_lazy("How the final verdicts were reached"), "formats": gettext_lazy("Files"),
    "relations": gettext_lazy("Links between released claims"),
    "accepted_claims_not_released": gettext_lazy("Accepted claims not in this release"),
    "evidence_not_gold": gettext_lazy("Evidence of released claims not kept as gold"),
    "records": gettext_lazy("records"), "left_out": gettext_lazy("left out"),
    "unanimous": gettext_lazy("unanimous (accepted automatically)"), "majority": gettext_lazy("majority"),
    "adjudicated": gettext_lazy("adjudicated by a reviewer"),
    # agreement
    "claims_with_two_or_more_verdicts": gettext_lazy("Claims with two or more verdicts"),
    "krippendorff_alpha_nominal": gettext_lazy("Krippendorff's alpha (nominal)"), "fleiss_kappa": gettext_lazy("Fleiss' kappa"),
    "percent_agreement": gettext_lazy("Percent agreement"), "unanimous_claims": gettext_lazy("Unanimous claims"),
    "mean_share_agreeing_with_final": gettext_lazy("Mean share of annotators agreeing with the final verdict"),
    # filters
    "include_unadjudicated": gettext_lazy("Claims without a final verdict included"),
    "min_agreement": gettext_lazy("Minimum agreement"), "since": gettext_lazy("Claim date from"), "until": gettext_lazy("Claim date until"),
}
LEFT_OUT_REASONS = {
    "no final verdict": gettext_lazy("no final verdict"),
    "no question-answer evidence": gettext_lazy("no evidence answering a question"),
    "verifiable verdict without gold evidence": gettext_lazy("supported or refuted without gold evidence"),
    "a linked claim is not in this release": gettext_lazy("a linked claim is not in this release"),
}
UNMAPPED = re.compile(r"^verdict '(?P<code>.+)' has no (?P<what>.+)$")
UNMAPPED_WHAT = {
    "FEVER label": gettext_lazy("FEVER label"), "AVeriTeC label": gettext_lazy("AVeriTeC label"),
    "ClaimReview rating": gettext_lazy("ClaimReview rating"),
}


def _label(key: Any, labels: dict[str, Any] | None = None) -> str:
    """A figure's readable name: known keys translated, verdict codes named, others as they are."""
    key = str(key)
    if labels and key in labels:
        return str(labels[key])
    return str(FIGURE_LABELS.get(key, key.replace("_", " ")))


def _reason(reason: str) -> str:
    """Why a format left claims out, in the reader's language."""
    if reason in LEFT_OUT_REASONS:
        return str(LEFT_OUT_REASONS[reason])
    matched = UNMAPPED.match(reason)
    if matched:
        what = UNMAPPED_WHAT.get(matched["what"], matched["what"])
        return _("verdict “%(code)s” has no %(what)s") % {"code": matched["code"], "what": what}
    return reason


def _rows(data: dict[str, Any], verdict_names: dict[str, str] | None = None) -> list[tuple[str, Any, list[tuple[str, Any]]]]:
    """A JSON object of figures as (name, value, sub-rows) for a table, with readable names;
    nested objects become sub-rows, and each file's figures its records and what it left out."""
    rows: list[tuple[str, Any, list[tuple[str, Any]]]] = []
    for key, value in (data or {}).items():
        name = _label(key)
        if key == "formats" and isinstance(value, dict):
            for fmt, figures in value.items():
                sub: list[tuple[str, Any]] = [(_label("records"), figures.get("records"))]
                sub += [(_("%(label)s: %(value)s") % {"label": _label("left_out"), "value": _reason(r)}, n)
                        for r, n in (figures.get("left_out") or {}).items()]
                rows.append((str(FORMAT_LABELS.get(fmt, fmt)), None, sub))
        elif isinstance(value, dict) and value:
            rows.append((name, None, [(_label(k, verdict_names), _flat(v)) for k, v in value.items()]))
        elif isinstance(value, bool):
            rows.append((name, _("yes") if value else _("no"), []))
        elif key == "verdicts" and isinstance(value, list):
            rows.append((name, ", ".join(str((verdict_names or {}).get(v, v)) for v in value), []))
        else:
            rows.append((name, _flat(value), []))
    return rows


@member_view
@require_GET
def release_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    """One release: its card, counts, agreement, and files to download."""
    release = release_get_for_user(request.user, release_id)
    project = release.project
    roles = roles_for(request.user, project)
    front_matter, body = _card_parts(release.card)
    names = dict(Verdict.objects.filter(scheme_id=project.scheme_id).values_list("code", "name"))
    files = sorted(release.files.all(), key=_file_order)
    for item in files:
        item.label = FORMAT_LABELS.get(item.format, item.format)  # type: ignore[attr-defined]
    context = page_context(
        project, roles, request.user, "releases", release=release,
        files=files, card=render_markdown(body), front_matter=front_matter,
        counts=_rows(release.counts, names), agreement=_rows(release.agreement),
        filters=_rows(release.filters, names),
    )
    return render(request, TEMPLATES + "release.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def release_delete_view(request: AuthenticatedHttpRequest, release_id: int) -> HttpResponse:
    """Delete a release after a confirmation page. Managers only."""
    release = release_get_for_user(request.user, release_id)
    project = release.project
    roles = roles_for(request.user, project)
    if not can(roles, Capability.MANAGE, user=request.user):
        raise PermissionDenied(_("Only the project's managers delete releases."))
    if request.method == "POST":
        version = release.version
        release_delete(release=release, by=request.user)
        messages.success(request, _("Release %(version)s deleted.") % {"version": version})
        return redirect("ui:releases", slug=project.slug)
    context = page_context(project, roles, request.user, "releases", release=release)
    return render(request, TEMPLATES + "release_delete.html", context)


@member_view
@require_GET
def release_download(request: HttpRequest, file_id: int) -> FileResponse:
    """Stream one release file with its length and checksum. Researchers, reviewers, managers."""
    release_file = release_file_get_for_user(request.user, file_id)
    try:
        handle = release_file.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is missing from the storage.")) from None
    name = (release_file.file.name or "").rsplit("/", 1)[-1]
    # FileResponse sets Content-Length from the file itself, and streams it in blocks.
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Checksum-SHA256"] = release_file.sha256
    # The link may be opened by a script; the file is what it is, not a page to sniff.
    response["X-Content-Type-Options"] = "nosniff"
    return response
