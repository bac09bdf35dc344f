"""Admin for reference fact checks: what fact-check feeds brought in (read only; managers delete)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ..access import Capability
from ..models import ReferenceFactCheck
from ..services.factchecks import factcheck_delete
from .base import ScopedHistoryAdmin, refusals, staff_user
from .filters import ProjectFilter


@admin.register(ReferenceFactCheck)
class ReferenceFactCheckAdmin(ScopedHistoryAdmin):
    view_capability = Capability.VIEW
    delete_capability = Capability.MANAGE
    list_display = ("claim_reviewed", "rating_text", "publisher", "review_date", "project")
    list_select_related = ("project",)
    list_filter = (ProjectFilter, "publisher", "language")
    search_fields = ("claim_reviewed", "claimant", "title", "url", "publisher")
    fields = (
        "project", "url", "claim_reviewed", "claimant", "claim_date", "title", "publisher",
        "publisher_site", "rating_text", "rating_value", "best_rating", "worst_rating", "language",
        "review_date", "raw", "import_job", "created_by", "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # fact-check feeds bring them in (the import page, command and API)

    def delete_model(self, request: HttpRequest, obj: ReferenceFactCheck) -> None:
        with refusals():
            factcheck_delete(factcheck=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(request, queryset, lambda fc: factcheck_delete(factcheck=fc, by=staff_user(request)))
