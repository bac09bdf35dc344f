"""Changelist filters: by project (only the user's), and the reviewer's questions about claims."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from ..models import Adjudication, Annotation, Project
from .base import count_of, project_ids, scope


def distinct_verdicts() -> Subquery:
    """How many distinct verdicts a claim's annotations carry."""
    return count_of(Annotation.objects.filter(claim=OuterRef("pk")), "verdict", distinct=True)


class ProjectFilter(admin.SimpleListFilter):
    """Filter by project, offering only the projects whose rows the user can see."""

    title = "project"
    parameter_name = "project"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.path = model_admin.project_path
        self.capability = model_admin.view_capability
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        projects = scope(Project.objects.all(), "", project_ids(request, self.capability))
        return [(str(pk), name) for pk, name in projects.order_by("name").values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"project={value!r} is not a project id")
        # The queryset is already scoped to the user's projects; another id simply matches nothing.
        return queryset.filter(**{self.path or "pk": int(value)})


class DisagreementFilter(admin.SimpleListFilter):
    """Claims whose annotations carry more than one distinct verdict."""

    title = "disagreement"
    parameter_name = "disagreement"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Annotators disagree"), ("no", "No disagreement")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in ("yes", "no"):
            return queryset
        queryset = queryset.annotate(_distinct_verdicts=distinct_verdicts())
        if self.value() == "yes":
            return queryset.filter(_distinct_verdicts__gt=1)
        return queryset.filter(_distinct_verdicts__lte=1)


class AdjudicationFilter(admin.SimpleListFilter):
    """Claims waiting for a final verdict (annotated, not adjudicated), or already adjudicated."""

    title = "adjudication"
    parameter_name = "adjudication"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "Pending (annotated, no final verdict)"), ("adjudicated", "Adjudicated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        adjudicated = Exists(Adjudication.objects.filter(claim=OuterRef("pk")))
        if self.value() == "pending":
            annotated = Exists(Annotation.objects.filter(claim=OuterRef("pk")))
            return queryset.filter(annotated, ~adjudicated)
        if self.value() == "adjudicated":
            return queryset.filter(adjudicated)
        return queryset
