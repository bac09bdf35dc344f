"""Search, filters and sorting of the project's article list and the review queue, in the URL query.

Each FilterSet narrows a queryset a selector already authorised; its choices come from the
project (its outlets, languages, members, verdicts), so nothing of another project is offered
or accepted. Invalid values are reported on the form and the list is shown unfiltered.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..selectors.progress import project_languages
from ..models import AdjudicationMethod, Annotation, Article, Claim, Membership, Outlet, Project, Role

TEXT_MAX = 200


class _DateInput(forms.DateInput):
    input_type = "date"


class FlatWidgets(DjangoTemplates):
    """Django's form renderer, drawing a text, date or select widget with one template each.

    Django's own templates include one more for the attributes, and one per option: a list page's
    filter form was ~40 includes, a millisecond of every project and review page. Only for the
    widgets the filters use, whose options are Django's default ones.
    """

    FLAT = {
        "django/forms/widgets/select.html": "annotations/forms/select.html",
        "django/forms/widgets/text.html": "annotations/forms/input.html",
        "django/forms/widgets/date.html": "annotations/forms/input.html",
    }

    def get_template(self, template_name: str) -> Any:
        return super().get_template(self.FLAT.get(template_name, template_name))


FLAT_WIDGETS = FlatWidgets()


class _ListFilter(django_filters.FilterSet):
    """A list page's filters, drawn by FlatWidgets."""

    @property
    def form(self) -> forms.Form:
        form = super().form
        form.renderer = FLAT_WIDGETS
        return form


def _text(qs: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    """Rows where every word of the value appears in one of the fields (case-insensitive)."""
    for word in value.split()[:10]:
        q = Q()
        for name in fields:
            q |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(q)
    return qs


class ArticleFilter(_ListFilter):
    """The project page's article list: text, outlet, dates, language, progress, and sorting."""

    PROGRESS = (
        ("none", pgettext_lazy("progress", "No claims yet")),
        ("suggested", pgettext_lazy("progress", "Suggestions to decide")),
        ("claims", pgettext_lazy("progress", "Has accepted claims")),
        ("todo", pgettext_lazy("progress", "Claims I have not judged")),
        ("done", pgettext_lazy("progress", "All claims judged by me")),
    )

    q = django_filters.CharFilter(
        label=_("Text"), method="search", max_length=TEXT_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("title, author or text")}),
    )
    # The project's outlets as plain choices: a model choice field reads them through a database
    # cursor of its own (three round trips on PostgreSQL) on every page.
    outlet = django_filters.ChoiceFilter(label=_("Outlet"), choices=(), field_name="outlet_id", empty_label=_("Any outlet"))
    published_after = django_filters.DateFilter(
        label=_("Published from"), field_name="published_on", lookup_expr="gte", widget=_DateInput
    )
    published_before = django_filters.DateFilter(
        label=_("Published until"), field_name="published_on", lookup_expr="lte", widget=_DateInput
    )
    language = django_filters.ChoiceFilter(label=_("Language"), choices=(), empty_label=_("Any language"))
    progress = django_filters.ChoiceFilter(label=_("Progress"), choices=PROGRESS, method="by_progress", empty_label=_("Any"))
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("title", "title"), ("published_on", "published"), ("outlet__name", "outlet"), ("n_accepted", "claims")),
        field_labels={
            "title": _("Title"), "published_on": _("Date"), "outlet__name": _("Outlet"), "n_accepted": _("Claims"),
        },
    )

    class Meta:
        model = Article
        fields: list[str] = []

    def __init__(self, data: Any, queryset: QuerySet, *, project: Project) -> None:
        super().__init__(data, queryset=queryset)
        self.filters["outlet"].extra["choices"] = [
            (str(pk), name) for pk, name in Outlet.objects.filter(project=project).order_by("name", "pk").values_list("pk", "name")
        ]
        self.filters["language"].extra["choices"] = [(code, code) for code in project_languages(project)]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _text(qs, ("title", "author", "body"), value)

    def by_progress(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # The counts are the selector's annotations (project_articles).
        return {
            "none": lambda: qs.filter(n_accepted=0, n_candidates=0),
            "suggested": lambda: qs.filter(n_candidates__gt=0),
            "claims": lambda: qs.filter(n_accepted__gt=0),
            "todo": lambda: qs.filter(n_accepted__gt=F("n_mine")),
            "done": lambda: qs.filter(n_accepted__gt=0, n_mine__gte=F("n_accepted")),
        }[value]()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            return qs.order_by("pk")
        # Articles sharing a title or a date keep one order, so no row moves between two pages;
        # the id runs the way the first key does, so one index (project, key, id) serves both ways.
        order = tuple(qs.query.order_by)
        return qs.order_by(*order, "-pk" if str(order[0]).startswith("-") else "pk")


class ReviewFilter(_ListFilter):
    """The review queue: article, annotator, verdict, method, date of the verdicts, text, sorting."""

    q = django_filters.CharFilter(
        label=_("Text"), method="search", max_length=TEXT_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("quote, statement or speaker")}),
    )
    # Text, not a list of the project's articles: a corpus of thousands makes no usable menu.
    article = django_filters.CharFilter(
        label=_("Article"), method="by_article", max_length=TEXT_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("title or number")}),
    )
    annotator = django_filters.ChoiceFilter(label=_("Annotator"), choices=(), method="by_annotator", empty_label=_("Anyone"))
    verdict = django_filters.ChoiceFilter(label=_("Verdict"), choices=(), method="by_verdict", empty_label=_("Any verdict"))
    method = django_filters.ChoiceFilter(
        label=_("Decided"), choices=AdjudicationMethod.choices, field_name="adjudication__method", empty_label=_("Any way")
    )
    judged_after = django_filters.DateFilter(label=_("Judged from"), method="judged_from", widget=_DateInput)
    judged_before = django_filters.DateFilter(label=_("Judged until"), method="judged_until", widget=_DateInput)
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("n_distinct", "disagreement"), ("n_verdicts", "verdicts"), ("article__published_on", "published")),
        field_labels={
            "n_distinct": _("Disagreement"), "n_verdicts": _("Verdicts"), "article__published_on": _("Article date"),
        },
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, data: Any, queryset: QuerySet | None = None, *, project: Project) -> None:
        super().__init__(data, queryset=queryset if queryset is not None else Claim.objects.none())
        people = (
            Membership.objects.filter(project=project, role=Role.ANNOTATOR)
            .order_by("user__username").values_list("user_id", "user__username").distinct()
        )
        self.filters["annotator"].extra["choices"] = [(str(pk), name) for pk, name in people]
        self.filters["verdict"].extra["choices"] = [
            (v.code, v.label) for v in project.scheme.verdicts.all()
        ]
        self.project = project

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _text(qs, ("quote", "statement", "speaker"), value)

    def by_article(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().lstrip("#")
        if value.isdigit() and len(value) < 12:
            return qs.filter(article_id=int(value))
        return _text(qs, ("article__title",), value)

    def by_annotator(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Exists(Annotation.objects.filter(claim=OuterRef("pk"), annotator_id=int(value))))

    def by_verdict(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # A verdict given by an annotator, or the final one.
        given = Annotation.objects.filter(claim=OuterRef("pk"), verdict__code=value, verdict__scheme=self.project.scheme_id)
        return qs.filter(Exists(given) | Q(adjudication__verdict__code=value))

    def judged_from(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs.filter(Exists(Annotation.objects.filter(claim=OuterRef("pk"), updated_at__date__gte=value)))

    def judged_until(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs.filter(Exists(Annotation.objects.filter(claim=OuterRef("pk"), updated_at__date__lte=value)))

    def narrow(self, qs: QuerySet) -> QuerySet:
        """The filters (not the sorting) applied to the selector's queryset; invalid input narrows nothing."""
        if not self.is_valid():
            return qs
        for name, value in self.form.cleaned_data.items():
            if name != "sort" and value not in (None, ""):
                qs = self.filters[name].filter(qs, value)
        return qs

    def ordering(self) -> list[str] | None:
        """The chosen sort as order_by fields, or None for the queue's own order."""
        if not self.is_valid() or not self.form.cleaned_data.get("sort"):
            return None
        mapping = self.filters["sort"].param_map  # URL name -> model field
        out = []
        for param in self.form.cleaned_data["sort"]:
            desc = param.startswith("-")
            field = mapping.get(param.lstrip("-"))
            if field:
                out.append(f"-{field}" if desc else field)
        return out + ["article_id", "start", "end", "pk"] if out else None
