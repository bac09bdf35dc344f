"""Admin for articles, with their claims inline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest

from ..access import Capability
from ..models import Article, Claim, Project
from ..services.articles import article_save
from ..services.suggestions import suggest_job_start
from .base import ReadOnlyInline, ScopedAdmin, count_of, may, refusals, staff_user
from .filters import ProjectFilter
from .forms import ArticleForm
from .learning import job_queued

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _ArticleCounts(TypedDict):
        """What ArticleAdmin.get_queryset annotates on each article."""

        claim_count: int


class ClaimInline(ReadOnlyInline):
    model = Claim
    fields = ("start", "end", "quote", "speaker", "asserted_by_article", "status", "origin", "score")
    readonly_fields = fields
    ordering = ("start", "end")


@admin.register(Article)
class ArticleAdmin(ScopedAdmin):
    """Articles arrive through imports (the project's "Import articles" page), not this form."""

    form = ArticleForm
    change_capability = Capability.MANAGE
    delete_capability = Capability.MANAGE
    inlines = [ClaimInline]
    list_display = (
        "title", "project", "outlet", "published_on", "language", "claim_count", "created_at",
    )
    list_select_related = ("project", "outlet")
    list_filter = (ProjectFilter, ("outlet", admin.RelatedOnlyFieldListFilter), "language")
    search_fields = ("title", "author", "url", "external_id")
    date_hierarchy = "published_on"
    autocomplete_fields = ("outlet",)
    actions = ["suggest_claims"]
    fieldsets = (
        (None, {"fields": ("project", "title", "author", "outlet", "url", "published_on", "language")}),
        ("Text", {"fields": ("body", "body_hash")}),
        ("Source", {"fields": ("external_id", "metadata", "import_job", "import_position")}),
        ("Record", {"fields": ("created_by", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            claim_count=count_of(Claim.objects.filter(article=OuterRef("pk")))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = [
            "project", "body_hash", "import_job", "import_position", "created_by", "created_at",
        ]
        claim_count = getattr(obj, "claim_count", None) if obj is not None else 0
        if claim_count is None:
            claim_count = obj.claims.count()
        if claim_count:
            # Claims are offsets into the body: once one exists the text is frozen (the DB agrees).
            fixed.append("body")
        return fixed

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Whether the user manages any project (the suggest action's permission)."""
        return may(request, Capability.MANAGE)

    @admin.action(description="Suggest claims for the selected articles", permissions=["manage"])
    def suggest_claims(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Queue one suggest job per project of the selected articles; all or none."""
        by_project: dict[int, list[int]] = {}
        for pk, project_id in queryset.order_by().values_list("pk", "project_id"):
            by_project.setdefault(project_id, []).append(pk)
        projects = {p.pk: p for p in Project.objects.filter(pk__in=by_project)}
        with refusals(), transaction.atomic():
            jobs = [
                (suggest_job_start(project=projects[pid], by=staff_user(request), article_ids=ids), len(ids))
                for pid, ids in sorted(by_project.items())
            ]
        for job, count in jobs:
            job_queued(self, request, job, f"Suggesting claims in {count} article{'s' * (count != 1)} of {job.project}")

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj: WithAnnotations[Article, _ArticleCounts]) -> int:
        return obj.claim_count

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        with refusals():
            article_save(article=obj, by=staff_user(request))
