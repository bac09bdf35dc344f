"""Admin for claim batches: read-only, the history of bulk decisions and deletions (and undos)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from ..models import ClaimBatch
from .base import ScopedAdmin


@admin.register(ClaimBatch)
class ClaimBatchAdmin(ScopedAdmin):
    """Who decided many suggestions at once or deleted a claim, and whether it was undone;
    written only by the services (the article page and the API), never here."""

    project_path = "article__project"
    list_display = ("__str__", "kind", "status", "size", "created_by", "created_at", "undone_at", "undone_by")
    list_select_related = ("article", "created_by", "undone_by")
    list_filter = ("kind",)
    fields = ("article", "kind", "status", "size", "created_by", "created_at", "undone_at", "undone_by",
              "items_shown")
    readonly_fields = fields

    @admin.display(description="what it changed")
    def items_shown(self, obj: ClaimBatch) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.items, indent=2, ensure_ascii=False)[:20000])
