"""Query-string filters of the list endpoints (django-filter); bad values get a 400 naming them.

`project` takes a slug and is resolved through the selectors, so an outsider naming a project is
told it does not exist (404) and a member whose role does not cover the list is refused (403).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Answer,
    Article,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Job,
    JobKind,
    JobStatus,
    Membership,
    QuestionAnswer,
    ReferenceFactCheck,
    RelationCandidate,
    RelationKind,
    Role,
    Stance,
)
from ..selectors import visibility

MAX_ID = 2**63 - 1  # bigint: larger ids cannot exist, and must not reach the database


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """An object id (a positive integer within bigint)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error rather than silently no filter."""

    widget = forms.TextInput  # the raw value reaches to_python (a select would drop it)

    # NullBooleanField widens BooleanField's bool to bool | None (so do the stubs, ignoring it too).
    def to_python(self, value: object) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value: object) -> None:
        return None


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, handing the view (and so its list scope) to the FilterSet."""

    def get_filterset(self, request: Any, queryset: QuerySet, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            filterset.view = view
        return filterset


class ProjectScopedFilterSet(django_filters.FilterSet):
    """Documents and checks `project`; the view's list scope (see ApiViewSet.scope) applies it."""

    view: Any = None

    project = django_filters.CharFilter(
        method="filter_project", max_length=80,
        help_text="Project slug. Unknown, or not yours: 404; your role does not cover this list: 403.",
    )

    def filter_project(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The queryset already holds this project's rows only: the view built it from
        # visibility.list_scope(user, slug), which also refused outsiders and other roles.
        return queryset


def _search(fields: tuple[str, ...]) -> django_filters.CharFilter:
    """A `q` filter: case-insensitive substring over the given fields."""

    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    return django_filters.CharFilter(
        method=method, max_length=200,
        help_text=f"Text search (substring, any case) in: {', '.join(fields)}.",
    )


class MembershipFilter(ProjectScopedFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["project", "role"]


class ArticleFilter(ProjectScopedFilterSet):
    q = _search(("title", "author", "external_id", "url"))
    language = django_filters.CharFilter(max_length=12)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")

    class Meta:
        model = Article
        fields = ["project", "q", "language", "published_after", "published_before"]


class ClaimFilter(ProjectScopedFilterSet):
    """Claims; `verdict`, `adjudicated` and `disagreement` only reach projects you review."""

    article = IdFilter(field_name="article_id")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    speaker = django_filters.CharFilter(lookup_expr="icontains", max_length=300)
    origin = django_filters.CharFilter(max_length=10)
    q = _search(("quote", "statement", "speaker"))
    verdict = django_filters.CharFilter(
        method="filter_verdict", max_length=40,
        help_text="Final (adjudicated) verdict code; only claims of projects you review or manage.",
    )
    adjudicated = BooleanFilter(
        method="filter_adjudicated",
        help_text="Has a final verdict (true) or not (false); only projects you review or manage.",
    )
    disagreement = BooleanFilter(
        method="filter_disagreement",
        help_text="Annotators gave different verdicts (true) or not (false); only projects you "
        "review or manage, since it would tell annotators about each other's verdicts.",
    )

    class Meta:
        model = Claim
        fields = ["project", "article", "status", "speaker", "origin", "q", "verdict",
                  "adjudicated", "disagreement"]

    def _reviewed(self, queryset: QuerySet) -> QuerySet:
        ids = visibility.reviewed_ids(self.view.scope)
        return queryset if ids is None else queryset.filter(article__project__in=ids)

    def filter_verdict(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return self._reviewed(queryset).filter(adjudication__verdict__code=value)

    def filter_adjudicated(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return self._reviewed(queryset).filter(adjudication__isnull=not value)

    def filter_disagreement(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return visibility.claims_by_disagreement(self._reviewed(queryset), value)


class RelationFilter(ProjectScopedFilterSet):
    claim = IdFilter(method="filter_claim", help_text="Relations from or to this claim.")
    kind = django_filters.ChoiceFilter(choices=RelationKind.choices)

    class Meta:
        model = ClaimRelation
        fields = ["project", "claim", "kind"]

    def filter_claim(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(source_id=value) | Q(target_id=value))


class AnnotationFilter(ProjectScopedFilterSet):
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="claim__article_id")
    annotator = django_filters.CharFilter(field_name="annotator__username", max_length=150)
    verdict = django_filters.CharFilter(field_name="verdict__code", max_length=40)
    q = _search(("rationale",))

    class Meta:
        model = Annotation
        fields = ["project", "claim", "article", "annotator", "verdict", "q"]


class EvidenceFilter(ProjectScopedFilterSet):
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="claim__article_id")
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    added_by = django_filters.CharFilter(field_name="added_by__username", max_length=150)
    q = _search(("title", "url", "publisher", "passage", "question"))

    class Meta:
        model = Evidence
        fields = ["project", "claim", "article", "stance", "added_by", "q"]


class AdjudicationFilter(ProjectScopedFilterSet):
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="claim__article_id")
    verdict = django_filters.CharFilter(field_name="verdict__code", max_length=40)
    method = django_filters.ChoiceFilter(choices=AdjudicationMethod.choices)

    class Meta:
        model = Adjudication
        fields = ["project", "claim", "article", "verdict", "method"]


class JobFilter(ProjectScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=JobKind.choices)
    status = django_filters.ChoiceFilter(choices=JobStatus.choices)

    class Meta:
        model = Job
        fields = ["project", "kind", "status"]


class QuestionFilter(ProjectScopedFilterSet):
    claim = IdFilter(field_name="answers__claim_id", help_text="Questions this claim answers.")
    q = _search(("text", "text_en"))

    class Meta:
        model = CheckQuestion
        fields = ["project", "claim", "q"]


class AnswerFilter(ProjectScopedFilterSet):
    question = IdFilter(field_name="question_id")
    claim = IdFilter(field_name="claim_id")
    answer = django_filters.ChoiceFilter(choices=Answer.choices)

    class Meta:
        model = QuestionAnswer
        fields = ["project", "question", "claim", "answer"]


class CandidateFilter(ProjectScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RelationKind.choices)
    article = IdFilter(method="filter_article", help_text="Proposals with a side in this article.")

    class Meta:
        model = RelationCandidate
        fields = ["project", "status", "kind", "article"]

    def filter_article(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(a_article_id=value) | Q(b_article_id=value))


class FactCheckFilter(ProjectScopedFilterSet):
    publisher = django_filters.CharFilter(max_length=300, help_text="Exact publisher name.")
    language = django_filters.CharFilter(max_length=12)
    q = _search(("claim_reviewed", "claimant", "title"))

    class Meta:
        model = ReferenceFactCheck
        fields = ["project", "publisher", "language", "q"]
