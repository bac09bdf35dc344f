"""The review area: the reviewer's queue, adjudicating one claim, and the agreement figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ... import selectors
from ...access import Capability, StaleVersion, roles_for
from ...models import Evidence, JobStatus
from ...selectors.agreement import latest_agreement_jobs
from ...selectors.article_page import _relations_of
from ...selectors.graph import questions_of_claim
from ...selectors.review import DEFAULT_FILTER, REVIEW_FILTERS, ClaimReview
from ...services.adjudication import (
    adjudication_accept_majority,
    adjudication_backfill,
    adjudication_decide,
    agreement_job_start,
)
from ..filters import ReviewFilter
from .common import AuthenticatedHttpRequest, member_view

TEMPLATES = "annotations/ui/review/"
FILTER_LABELS = {
    "disagreements": gettext_lazy("Disagreements"),
    "pending": gettext_lazy("Pending"),
    "adjudicated": gettext_lazy("Adjudicated"),
    "all": gettext_lazy("All claims"),
}
GOLD_HOTKEYS = 9  # evidence items reachable with g 1 … g 9
# The services' field names as the form calls them: an override's reason is the note.
SERVICE_FIELDS: dict[str | None, str | None] = {"reason": "note", "gold_evidence": "gold"}


def _queue_filter(raw: str | None) -> str:
    """The queue filter a page was reached from; anything unknown falls back to the default."""
    return raw if raw in REVIEW_FILTERS else DEFAULT_FILTER


# --- the queue ----------------------------------------------------------------------------------


@member_view
@require_GET
def review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """Claims to review, by filter tab; j/k move through them, Enter opens one."""
    project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.REVIEW)
    name = request.GET.get("filter", DEFAULT_FILTER)
    search = ReviewFilter(request.GET or None, project=project)
    try:
        queue = selectors.review_queue(
            request.user, project, filter=name, page=request.GET.get("page", 1),
            narrow=search.narrow, order_by=search.ordering(),
            after=request.GET.get("after"), before=request.GET.get("before"),
        )
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    tabs = [
        {"name": key, "label": FILTER_LABELS[key], "count": queue.tab_counts[key], "hotkey": str(i + 1)}
        for i, key in enumerate(REVIEW_FILTERS)
    ]
    context = {
        "project": project, "roles": queue.roles, "queue": queue, "tabs": tabs, "tab": "review",
        "search": search, "searching": any(k not in ("filter", "page", "after", "before") for k in request.GET),
        # The tab stays when filters are applied or cleared.
        "keep": [("filter", queue.filter)], "clear": "?" + urlencode({"filter": queue.filter}),
    }
    return render(request, TEMPLATES + "queue.html", context)


@member_view
@require_POST
def review_backfill(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Adjudicate automatically the unanimous claims judged before auto-acceptance was on."""
    project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.REVIEW)
    try:
        made = adjudication_backfill(project=project, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request, _("%(n)s unanimous claims were adjudicated automatically.") % {"n": made}
        )
    return redirect(reverse("ui:review_queue", args=[project.slug]) + "?filter=pending")


# --- adjudicating one claim ----------------------------------------------------------------------


class AdjudicateForm(forms.Form):
    """The reviewer's decision; choices come from the claim's scheme and evidence, no query."""

    action = forms.ChoiceField(choices=[("adjudicate", "adjudicate"), ("majority", "majority")])
    verdict = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    gold = forms.TypedMultipleChoiceField(coerce=int, required=False)
    note = forms.CharField(required=False, max_length=10_000, strip=True)
    version = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, review: ClaimReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        cast(forms.ChoiceField, self.fields["verdict"]).choices = [(v.pk, v.label) for v in review.verdicts]
        cast(forms.ChoiceField, self.fields["gold"]).choices = [(e.pk, str(e.pk)) for e in review.all_evidence]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("action") == "adjudicate" and cleaned.get("verdict") is None:
            self.add_error("verdict", _("Choose the final verdict."))
        return cleaned


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as the page shows it: its gold checkbox state and hotkey."""

    evidence: Evidence
    by: str
    gold: bool
    hotkey: str
    safe_url: str


def _evidence_items(review: ClaimReview, gold: set[int]) -> dict[int, EvidenceItem]:
    """Each evidence of the claim keyed by id, numbered across the page for the g N hotkeys."""
    items = {}
    for i, e in enumerate(review.all_evidence):
        url = e.url if e.url.lower().startswith(("http://", "https://")) else ""
        items[e.pk] = EvidenceItem(
            e, review.evidence_by.get(e.pk, ""), e.pk in gold,
            f"g {i + 1}" if i < GOLD_HOTKEYS else "", url,
        )
    return items


def _adjudicate_page(
    request: HttpRequest, review: ClaimReview, *, queue_filter: str, form: AdjudicateForm | None,
    version: int | None, status: int = 200,
) -> HttpResponse:
    """Render the adjudication page; a re-shown form keeps what the reviewer chose and typed."""
    adjudication = review.adjudication
    if form is not None and form.is_bound:
        chosen = form.data.get("verdict", "")
        gold = {int(x) for x in form["gold"].value() if str(x).isdigit()}
        note = form.data.get("note", "")
    else:
        chosen = str(adjudication.verdict_id) if adjudication else ""
        gold = set(review.gold_ids)
        note = ""
    items = _evidence_items(review, gold)
    cards = [
        {"work": w, "evidence": [items[e.pk] for e in w.evidence]} for w in review.work
    ]
    context = {
        "project": review.project, "roles": review.roles, "review": review, "claim": review.claim,
        "cards": cards, "other_evidence": [items[e.pk] for e in review.other_evidence],
        "chosen": chosen, "note": note, "version": version or "", "form": form,
        "queue_filter": queue_filter, "filter_label": FILTER_LABELS[queue_filter], "tab": "review",
        "has_gold_hotkeys": bool(items),
        # The claim graph around the claim: its links either way and the questions it answers.
        "relations": _relations_of(review.claim), "claim_questions": questions_of_claim(review.claim),
    }
    return render(request, TEMPLATES + "adjudicate.html", context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def adjudicate(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """One claim in context with every annotator's work side by side; POST decides its verdict."""
    review = selectors.claim_review(request.user, claim_id, capability=Capability.REVIEW)
    queue_filter = _queue_filter(request.POST.get("filter") or request.GET.get("filter"))
    current_version = review.adjudication.version if review.adjudication else None
    if request.method == "GET":
        return _adjudicate_page(request, review, queue_filter=queue_filter, form=None, version=current_version)

    form = AdjudicateForm(request.POST, review=review)
    if not form.is_valid():
        return _adjudicate_page(
            request, review, queue_filter=queue_filter, form=form,
            version=form.cleaned_data.get("version"), status=400,
        )
    data = form.cleaned_data
    try:
        if data["action"] == "majority":
            adjudication = adjudication_accept_majority(
                claim=review.claim, by=request.user, version=data["version"], reason=data["note"],
            )
        else:
            verdict = next(v for v in review.verdicts if v.pk == data["verdict"])
            gold = [e for e in review.all_evidence if e.pk in set(data["gold"])]
            adjudication = adjudication_decide(
                claim=review.claim, by=request.user, verdict=verdict, note=data["note"],
                gold_evidence=gold, version=data["version"],
            )
    except StaleVersion as exc:
        # Show what is there now, keep the reviewer's choices; submitting again overrides it.
        fresh = selectors.claim_review(request.user, claim_id, capability=Capability.REVIEW)
        current = exc.current
        messages.warning(request, _(
            "Someone else adjudicated this claim meanwhile (now: %(verdict)s). Check it below; "
            "submit again with a reason to override it."
        ) % {"verdict": getattr(getattr(current, "verdict", None), "label", "—")})
        return _adjudicate_page(
            request, fresh, queue_filter=queue_filter, form=form,
            version=fresh.adjudication.version if fresh.adjudication else None, status=409,
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for name, messages_ in errors.items():
            field = SERVICE_FIELDS.get(name, name)
            form.add_error(field if field in form.fields else None, messages_)
        return _adjudicate_page(
            request, review, queue_filter=queue_filter, form=form, version=data["version"], status=400,
        )
    messages.success(
        request, _("Claim #%(claim)s adjudicated: %(verdict)s (%(method)s).") % {
            "claim": review.claim.pk, "verdict": adjudication.verdict.label,
            "method": adjudication.get_method_display(),
        },
    )
    following = selectors.review_next_claim(request.user, review.claim, filter=queue_filter)
    query = urlencode({"filter": queue_filter})
    if following is not None:
        return redirect(f"{reverse('ui:adjudicate', args=[following])}?{query}")
    return redirect(f"{reverse('ui:review_queue', args=[review.project.slug])}?{query}")


# --- agreement -----------------------------------------------------------------------------------


def _bar(estimate: dict | None) -> dict | None:
    """Bar geometry on a 0–1 scale: the value's width and its interval's whisker, in percent."""
    if not estimate or estimate.get("value") is None:
        return None

    def pct(x: float) -> float:
        return round(100 * min(1.0, max(0.0, x)), 1)

    low, high = estimate.get("ci_low"), estimate.get("ci_high")
    bar = {"width": pct(estimate["value"]), "negative": estimate["value"] < 0}
    if low is not None and high is not None:
        bar["ci_left"] = pct(low)
        bar["ci_width"] = round(pct(high) - pct(low), 1)
    return bar


def _heatmap(labels: list[dict], counts: list[list[int]]) -> list[dict]:
    """Rows of cells with a background strength in [0.06, 0.9] proportional to the count."""
    peak = max((n for row in counts for n in row), default=0) or 1
    rows = []
    for label, row in zip(labels, counts):
        cells = []
        for j, n in enumerate(row):
            strength = round(0.06 + 0.84 * n / peak, 2) if n else 0
            cells.append({"n": n, "strength": strength, "dark": strength > 0.5, "diagonal": labels[j] is label})
        rows.append({"label": label, "cells": cells, "total": sum(row)})
    return rows


def _agreement_context(report: dict) -> dict:
    """What the agreement template draws from the report: names, bars, heatmaps."""
    if not report.get("available"):
        return {}
    # Verdict names in the reader's language (a job's stored report keeps the scheme's names).
    labels = [{**label, "name": _(label["name"]) if label["name"] else ""} for label in report["labels"]]
    by_code = {label["code"]: label for label in labels}
    overall = report["overall"]
    figures = [
        {"name": _("Krippendorff's alpha"), "key": "alpha", "est": overall["alpha"]},
        {"name": _("Fleiss' kappa"), "key": "fleiss", "est": overall["fleiss_kappa"]},
        {"name": _("Percent agreement"), "key": "percent", "est": overall["percent_agreement"]},
        {"name": _("Mean pairwise Cohen's kappa"), "key": "cohen", "est": overall["mean_pairwise_cohen"]},
    ]
    for f in figures:
        f["bar"] = _bar(f["est"])
    verdict_rows = [
        {
            "label": by_code.get(row["label"], {"code": row["label"], "name": row["label"], "colour": "#777777"}),
            "row": row, "bar": _bar(row["alpha"]),
        }
        for row in report["per_verdict"]
    ]
    pair_rows = [
        {
            "row": row, "bar": _bar(row["cohen_kappa"]),
            "heatmap": _heatmap(labels, row["confusion"]["counts"]),
        }
        for row in report["per_pair"]
    ]
    spans = report.get("spans")
    span_rows = [{"row": row, "bar": _bar(row["f1"])} for row in spans["per_pair"]] if spans else []
    return {
        "labels": labels, "figures": figures, "verdict_rows": verdict_rows, "pair_rows": pair_rows,
        "coincidence": _heatmap(labels, report["coincidence"]["counts"]),
        "spans": spans, "span_bar": _bar(spans["mean_f1"]) if spans else None, "span_rows": span_rows,
    }


@member_view
@require_GET
def agreement(request: HttpRequest, slug: str) -> HttpResponse:
    """The project's agreement figures with intervals, per verdict, per pair, and heatmaps."""
    project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.REVIEW)
    report = selectors.project_agreement_report(request.user, project)
    latest, _done = latest_agreement_jobs(project)
    roles = roles_for(request.user, project)
    context = {
        "project": project, "roles": roles, "report": report, "latest_job": latest,
        "tab": "agreement", **_agreement_context(report),
    }
    return render(request, TEMPLATES + "agreement.html", context)


@member_view
@require_POST
def agreement_job(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Queue the agreement computation as a background job (for big projects)."""
    project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.REVIEW)
    job = agreement_job_start(project=project, by=request.user)
    if job.status == JobStatus.QUEUED and job.created_by_id == request.user.pk:
        messages.success(request, _("Agreement job #%(job)s queued; this page shows it when it is done.") % {"job": job.pk})
    else:
        messages.info(request, _("Agreement job #%(job)s is already under way.") % {"job": job.pk})
    return redirect("ui:agreement", slug=project.slug)


@member_view
@require_GET
def agreement_job_status(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The latest agreement job's status (a partial that polls itself while the job runs)."""
    project = selectors.project_get_for_user(request.user, slug=slug, capability=Capability.REVIEW)
    latest, _done = latest_agreement_jobs(project)
    # Polled to the end: offer the new figures (the page around the partial still shows the old).
    refresh = bool(request.htmx) and latest is not None and latest.status == JobStatus.SUCCEEDED
    return render(
        request, TEMPLATES + "_agreement_job.html",
        {"project": project, "latest_job": latest, "refresh": refresh},
    )
