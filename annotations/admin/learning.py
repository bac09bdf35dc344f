"""Admin for the per-project suggestion models: read-only figures for the project's managers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ..access import Capability
from ..models import Job, SuggestionModel
from .base import ScopedAdmin
from .filters import ProjectFilter
from .jobs import pretty_json


@admin.register(SuggestionModel)
class SuggestionModelAdmin(ScopedAdmin):
    """What each retrain learnt, and how well it did in cross-validation; retrain jobs write it."""

    view_capability = Capability.MANAGE
    list_display = (
        "__str__", "project", "version", "is_current", "precision", "recall", "ranking", "n_examples",
        "n_positive", "engine_version", "created_at",
    )
    list_select_related = ("project",)
    list_filter = (ProjectFilter, "is_current")
    fields = (
        "project", "version", "is_current", "engine_version", "n_examples", "n_positive",
        "precision", "recall", "ranking", "cv_folds", "job_link", "params_shown", "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        # The weights can be megabytes of JSON, and nobody reads them here.
        return super().get_queryset(request).defer("weights")

    @admin.display(description="CV precision", ordering="cv_precision")
    def precision(self, obj: SuggestionModel) -> str:
        return f"{obj.cv_precision:.1%}"

    @admin.display(description="CV recall", ordering="cv_recall")
    def recall(self, obj: SuggestionModel) -> str:
        return f"{obj.cv_recall:.1%}"

    @admin.display(description="CV average precision (engine → model)")
    def ranking(self, obj: SuggestionModel) -> str:
        if obj.cv_ap_engine is None or obj.cv_ap_model is None:
            return "—"
        return f"{obj.cv_ap_engine:.3f} → {obj.cv_ap_model:.3f}"

    @admin.display(description="job")
    def job_link(self, obj: SuggestionModel) -> str:
        if obj.job_id is None:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:annotations_job_change", args=[obj.job_id]), obj.job_id
        )

    @admin.display(description="parameters")
    def params_shown(self, obj: SuggestionModel) -> str:
        return pretty_json(obj.params)


def job_queued(model_admin: admin.ModelAdmin, request: HttpRequest, job: Job, what: str) -> None:
    """Tell the user their job is queued, with a link to the page that shows its progress."""
    url = reverse("admin:annotations_job_change", args=[job.pk])
    model_admin.message_user(
        request,
        format_html('{} queued as job <a href="{}">#{}</a>; its page shows the progress.', what, url, job.pk),
        messages.SUCCESS,
    )
