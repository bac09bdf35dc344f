"""Admin for claims and the work on them: relations, annotations, evidence, adjudications, slots.

Every write here goes through a service (annotations.services.claims / .work), which checks the
user's role again and keeps the history; the admin only decides what to show and offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..access import Capability, NotFound, StaleVersion
from ..models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Assignment,
    Claim,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Verdict,
)
from ..services.claims import (
    EDITABLE_CLAIM_FIELDS,
    claim_create,
    claim_decide,
    claim_relate,
    claim_unrelate,
    claim_update,
)
from ..services.adjudication import adjudication_accept_majority
from ..services.work import claim_adjudicate, evidence_add, evidence_delete
from .base import (
    ReadOnlyInline,
    ScopedAdmin,
    ScopedHistoryAdmin,
    VersionedForm,
    adopt,
    count_of,
    may,
    refusals,
    staff_user,
)
from .filters import AdjudicationFilter, DisagreementFilter, ProjectFilter, distinct_verdicts

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _ClaimCounts(TypedDict):
        """What ClaimAdmin.get_queryset annotates on each claim."""

        annotation_count: int
        verdict_spread: int


def titled(title: str, base: type = admin.RelatedOnlyFieldListFilter) -> type:
    """A field filter under another title (two filters on `verdict` paths would read the same)."""

    class Titled(base):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


def claim_link(claim: Claim) -> str:
    """A link to the claim's admin page, labelled with its quote."""
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    return format_html('<a href="{}">{}</a>', url, claim)


# --- claims ---------------------------------------------------------------------------------


class AnnotationInline(ReadOnlyInline):
    model = Annotation
    fields = (
        "annotator", "verdict", "confidence", "rationale", "time_spent_seconds", "version",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("annotator", "verdict")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fk_name = "claim"
    fields = (
        "stance", "source", "title", "publisher", "published_on", "passage", "question", "added_by",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs.select_related("added_by", "linked_claim", "linked_article")

    @admin.display(description="source")
    def source(self, obj: Evidence) -> str:
        return evidence_source(obj)


def evidence_source(obj: Evidence) -> str:
    """The evidence's one source as a link: a URL, or a claim or article of the corpus."""
    if obj.url:
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.url, obj.url[:80])
    if obj.linked_claim is not None:
        return format_html("claim: {}", claim_link(obj.linked_claim))
    if obj.linked_article_id:
        url = reverse("admin:annotations_article_change", args=[obj.linked_article_id])
        return format_html('article: <a href="{}">{}</a>', url, obj.linked_article)
    return "—"


class ClaimForm(VersionedForm):
    class Meta:
        model = Claim
        fields = "__all__"


# The fields claim_create takes from a person; the rest is provenance it sets itself.
CLAIM_ADD_FIELDS = (
    "article", "start", "end", "status", "statement", "speaker", "asserted_by_article",
    "statement_date", "kind",
)


@admin.register(Claim)
class ClaimAdmin(ScopedHistoryAdmin):
    form = ClaimForm
    project_path = "article__project"
    add_capability = Capability.REVIEW
    change_capability = Capability.REVIEW
    delete_capability = Capability.MANAGE
    inlines = [AnnotationInline, EvidenceInline]
    list_display = (
        "claim", "article", "project", "speaker", "status", "origin", "annotation_count",
        "verdict_spread", "final_verdict", "updated_at",
    )
    list_select_related = ("article__project", "adjudication__verdict")
    list_filter = (
        ProjectFilter, DisagreementFilter, AdjudicationFilter, "status", "origin", "kind",
        "asserted_by_article",
        ("annotations__verdict", titled("verdict given")),
        ("adjudication__verdict", titled("final verdict")),
        ("annotations__annotator", titled("annotator")),
    )
    search_fields = ("quote", "statement", "speaker", "article__title")
    date_hierarchy = "created_at"
    autocomplete_fields = ("article",)
    actions = ["accept_majority"]
    fieldsets = (
        (None, {"fields": ("article", "quote", ("start", "end"), "status", "expected_version")}),
        ("Claim", {"fields": ("statement", ("speaker", "asserted_by_article"), "statement_date", "kind")}),
        ("Work", {"fields": ("adjudication_link", "relations")}),
        ("Provenance", {"fields": (
            "origin", "score", "engine_version", "created_by", "decided_by", "created_at",
            "updated_at", "version",
        )}),
    )
    readonly_fields = (
        "article", "quote", "adjudication_link", "relations", "origin", "score", "engine_version",
        "created_by", "decided_by", "created_at", "updated_at", "version",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            annotation_count=count_of(Annotation.objects.filter(claim=OuterRef("pk"))),
            verdict_spread=distinct_verdicts(),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": CLAIM_ADD_FIELDS})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"status": ClaimStatus.ACCEPTED, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals():
            if not change:
                saved = claim_create(
                    by=staff_user(request), **{name: data[name] for name in CLAIM_ADD_FIELDS}
                )
            else:
                saved = self._update(request, obj, form)
        adopt(obj, saved)

    def _update(self, request: HttpRequest, obj: Claim, form: Any) -> Claim:
        """Apply the changed fields through claim_update, then a new status through claim_decide."""
        data, changed = form.cleaned_data, set(form.changed_data)
        version = data["expected_version"]
        fields = {name: data[name] for name in changed & EDITABLE_CLAIM_FIELDS}
        span = {name: data[name] for name in changed & {"start", "end"}}
        claim = obj
        if fields or span:
            claim = claim_update(claim=obj, by=staff_user(request), version=version, **span, **fields)
            version = claim.version
        if "status" in changed:
            claim = claim_decide(claim=claim, by=staff_user(request), status=data["status"], version=version)
        return claim

    def has_adjudicate_permission(self, request: HttpRequest) -> bool:
        """Whether the user reviews some project: the action then checks each claim's project."""
        return may(request, Capability.REVIEW)

    @admin.action(description="Accept the majority verdict", permissions=["adjudicate"])
    def accept_majority(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Adjudicate each selected claim with its majority verdict; ties and the rest are listed."""
        accepted = 0
        refused: list[str] = []
        already: list[str] = []
        for claim in queryset.select_related("article__project").order_by("pk"):
            try:
                adjudication_accept_majority(claim=claim, by=staff_user(request))
            except StaleVersion:
                already.append(f"#{claim.pk}")
            except ValidationError as exc:
                refused.append(f"#{claim.pk} “{str(claim)[:60]}”: {' '.join(exc.messages)}")
            except (PermissionDenied, NotFound) as exc:
                refused.append(f"#{claim.pk}: {exc}")
            else:
                accepted += 1
        if accepted:
            self.message_user(request, f"Accepted the majority verdict for {accepted} claim(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"Not accepted ({len(refused)}): " + "; ".join(refused), messages.WARNING
            )
        if already:
            self.message_user(
                request,
                "Already adjudicated, left as they are (override on the claim's adjudication): "
                + ", ".join(already),
                messages.INFO,
            )

    @admin.display(description="claim", ordering="quote")
    def claim(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="project", ordering="article__project__name")
    def project(self, obj: Claim) -> str:
        return str(obj.article.project)

    @admin.display(description="annotations", ordering="annotation_count")
    def annotation_count(self, obj: WithAnnotations[Claim, _ClaimCounts]) -> int:
        return obj.annotation_count

    @admin.display(description="verdicts given", ordering="verdict_spread")
    def verdict_spread(self, obj: WithAnnotations[Claim, _ClaimCounts]) -> str:
        # More than one distinct verdict is a disagreement a reviewer should settle.
        if obj.verdict_spread > 1:
            return format_html('<strong style="color:#c62828">{} differ</strong>', obj.verdict_spread)
        return str(obj.verdict_spread)

    @admin.display(description="final verdict")
    def final_verdict(self, obj: Claim) -> str:
        adjudication = getattr(obj, "adjudication", None)
        return str(adjudication.verdict) if adjudication is not None else "—"

    @admin.display(description="adjudication")
    def adjudication_link(self, obj: Claim) -> str:
        adjudication = Adjudication.objects.filter(claim=obj).select_related("verdict").first()
        if adjudication is None:
            url = reverse("admin:annotations_adjudication_add") + f"?claim={obj.pk}"
            return format_html('<a href="{}">Adjudicate this claim</a>', url)
        url = reverse("admin:annotations_adjudication_change", args=[adjudication.pk])
        return format_html(
            '<a href="{}">{}</a> ({})', url, adjudication.verdict, adjudication.get_method_display()
        )

    @admin.display(description="relations")
    def relations(self, obj: Claim) -> str:
        links = ClaimRelation.objects.filter(Q(source=obj) | Q(target=obj)).select_related(
            "source", "target"
        )
        rows = [
            (
                relation.get_kind_display() + ("" if relation.source_id == obj.pk else " (from)"),
                claim_link(relation.target if relation.source_id == obj.pk else relation.source),
            )
            for relation in links
        ]
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))


@admin.register(ClaimRelation)
class ClaimRelationAdmin(ScopedHistoryAdmin):
    project_path = "source__article__project"
    add_capability = Capability.REVIEW
    delete_capability = Capability.REVIEW
    list_display = ("source", "kind", "target", "project", "created_by", "created_at")
    list_select_related = ("source__article__project", "target", "created_by")
    list_filter = (ProjectFilter, "kind")
    search_fields = ("source__quote", "target__quote", "note")
    date_hierarchy = "created_at"
    autocomplete_fields = ("source", "target")
    fields = ("source", "kind", "target", "note", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    @admin.display(description="project", ordering="source__article__project__name")
    def project(self, obj: ClaimRelation) -> str:
        return str(obj.source.article.project)

    def save_model(self, request: HttpRequest, obj: ClaimRelation, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals():
            relation = claim_relate(
                source=data["source"], target=data["target"], kind=data["kind"], by=staff_user(request),
                note=data["note"],
            )
        adopt(obj, relation)

    def delete_model(self, request: HttpRequest, obj: ClaimRelation) -> None:
        with refusals():
            claim_unrelate(relation=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(
            request, queryset.select_related("source__article"),
            lambda relation: claim_unrelate(relation=relation, by=staff_user(request)),
        )


# --- the work on each claim -----------------------------------------------------------------


@admin.register(Annotation)
class AnnotationAdmin(ScopedHistoryAdmin):
    """Annotators' own work: reviewers read it here and settle it by adjudicating, never by editing."""

    project_path = "claim__article__project"
    list_display = ("claim", "annotator", "verdict", "confidence", "project", "version", "updated_at")
    list_select_related = ("claim__article__project", "annotator", "verdict")
    list_filter = (
        ProjectFilter, ("verdict", admin.RelatedOnlyFieldListFilter),
        ("annotator", admin.RelatedOnlyFieldListFilter), "confidence",
    )
    search_fields = ("claim__quote", "rationale", "annotator__username")
    date_hierarchy = "updated_at"

    @admin.display(description="project", ordering="claim__article__project__name")
    def project(self, obj: Annotation) -> str:
        return str(obj.claim.article.project)


@admin.register(Evidence)
class EvidenceAdmin(ScopedHistoryAdmin):
    project_path = "claim__article__project"
    add_capability = Capability.REVIEW
    delete_capability = Capability.REVIEW
    list_display = ("__str__", "claim", "stance", "source", "added_by", "project", "created_at")
    list_select_related = ("claim__article__project", "added_by", "linked_claim", "linked_article")
    list_filter = (ProjectFilter, "stance", ("added_by", admin.RelatedOnlyFieldListFilter))
    search_fields = ("url", "title", "publisher", "passage", "question", "claim__quote")
    date_hierarchy = "created_at"
    autocomplete_fields = ("claim", "linked_claim", "linked_article")
    fields = (
        "claim", "stance", "url", "linked_claim", "linked_article", "title", "publisher",
        "published_on", "passage", "question", "added_by", "created_at",
    )
    readonly_fields = ("added_by", "created_at")

    @admin.display(description="source")
    def source(self, obj: Evidence) -> str:
        return evidence_source(obj)

    @admin.display(description="project", ordering="claim__article__project__name")
    def project(self, obj: Evidence) -> str:
        return str(obj.claim.article.project)

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        data = form.cleaned_data
        names = ("claim", "stance", "url", "title", "publisher", "published_on", "passage",
                 "question", "linked_claim", "linked_article")
        with refusals():
            evidence = evidence_add(by=staff_user(request), **{name: data[name] for name in names})
        adopt(obj, evidence)

    def delete_model(self, request: HttpRequest, obj: Evidence) -> None:
        with refusals():
            evidence_delete(evidence=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(
            request, queryset.select_related("claim__article"),
            lambda evidence: evidence_delete(evidence=evidence, by=staff_user(request)),
        )


class AdjudicationForm(VersionedForm):
    class Meta:
        model = Adjudication
        fields = "__all__"
        widgets = {"gold_evidence": forms.CheckboxSelectMultiple}


@admin.register(Adjudication)
class AdjudicationAdmin(ScopedHistoryAdmin):
    """The final verdict of a claim, recorded by claim_adjudicate with the reviewer as adjudicator."""

    form = AdjudicationForm
    project_path = "claim__article__project"
    add_capability = Capability.REVIEW
    change_capability = Capability.REVIEW
    delete_capability = Capability.MANAGE
    service_saves_m2m = True
    list_display = ("claim", "verdict", "method", "adjudicator", "project", "decided_at")
    list_select_related = ("claim__article__project", "verdict", "adjudicator")
    list_filter = (
        ProjectFilter, ("verdict", admin.RelatedOnlyFieldListFilter), "method",
        ("adjudicator", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("claim__quote", "notes")
    date_hierarchy = "decided_at"
    autocomplete_fields = ("claim",)
    fields = (
        "claim", "verdict", "method", "gold_evidence", "notes", "expected_version", "adjudicator",
        "agrees_with", "decided_at", "version",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("adjudicator", "agrees_with", "decided_at", "version")
        return fixed if obj is None else ("claim", *fixed)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        return {"method": AdjudicationMethod.ADJUDICATED, **initial}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        claim = obj.claim if obj is not None else self._claim_from(request)
        # Offer the verdicts of the claim's scheme and the claim's own evidence, nothing else.
        if "verdict" in form.base_fields and claim is not None:
            form.base_fields["verdict"].queryset = Verdict.objects.filter(
                scheme_id=claim.article.project.scheme_id
            )
        if "gold_evidence" in form.base_fields:
            form.base_fields["gold_evidence"].queryset = (
                Evidence.objects.filter(claim=claim) if claim is not None else Evidence.objects.none()
            )
        return form

    def _claim_from(self, request: HttpRequest) -> Claim | None:
        """The claim an add form is about (?claim=id, or the posted one), if the user may see it."""
        raw = request.POST.get("claim") or request.GET.get("claim")
        if not raw or not str(raw).isdigit():
            return None
        claim_admin = self.admin_site._registry[Claim]
        assert isinstance(claim_admin, ClaimAdmin)
        claims = claim_admin.choices_queryset(request)
        return claims.select_related("article__project").filter(pk=int(raw)).first()

    @admin.display(description="project", ordering="claim__article__project__name")
    def project(self, obj: Adjudication) -> str:
        return str(obj.claim.article.project)

    def save_model(self, request: HttpRequest, obj: Adjudication, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals():
            adjudication = claim_adjudicate(
                claim=obj.claim if change else data["claim"],
                by=staff_user(request),
                verdict=data["verdict"],
                method=data["method"],
                notes=data["notes"],
                gold_evidence=data["gold_evidence"],
                version=data["expected_version"] if change else None,
                # Changing an automatic decision needs a reason: the notes give it.
                reason=data["notes"] if change else "",
            )
        adopt(obj, adjudication)


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    """Slots of work; handed out by the assignment service, withdrawn here by managers."""

    delete_capability = Capability.MANAGE
    list_display = (
        "annotator", "project", "article", "claim", "slot", "status", "created_at", "completed_at",
    )
    list_select_related = ("annotator", "project", "article", "claim")
    list_filter = (ProjectFilter, "status", ("annotator", admin.RelatedOnlyFieldListFilter))
    search_fields = ("annotator__username", "article__title", "claim__quote")
    date_hierarchy = "created_at"
