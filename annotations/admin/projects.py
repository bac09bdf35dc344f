"""Admin for projects, their members, verdict schemes and outlets, and importing articles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..access import Capability, NotFound
from ..models import Article, Membership, Outlet, Project, Verdict, VerdictScheme
from ..selectors import project_get_for_user
from ..services.articles import outlet_save
from ..services.imports import import_job_start
from ..services.projects import membership_add, membership_remove, project_create
from ..services.releases import RELEASE_FORMATS, release_default_formats, release_job_start
from ..services.suggestions import retrain_job_start, suggest_job_start
from .base import (
    ScopedAdmin,
    ScopedInline,
    add_refusal,
    adopt,
    count_of,
    forget_roles,
    may,
    project_ids,
    refusals,
    staff_user,
)
from .filters import ProjectFilter
from .forms import ImportArticlesForm, MembershipForm
from .learning import job_queued

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _SchemeCounts(TypedDict):
        """What VerdictSchemeAdmin.get_queryset annotates on each scheme."""

        verdict_count: int
        project_count: int

    class _ProjectCounts(TypedDict):
        """What ProjectAdmin.get_queryset annotates on each project."""

        article_count: int
        member_count: int

# --- verdict schemes: shared definitions, changed only by those who manage every user of one --


def visible_schemes(request: HttpRequest) -> QuerySet[VerdictScheme]:
    """The default scheme, the schemes of the user's projects, and schemes no project uses yet."""
    ids = project_ids(request, Capability.REVIEW)
    schemes = VerdictScheme.objects.all()
    if ids is None:
        return schemes
    if not ids and not request.user.has_perm("annotations.add_project"):
        return schemes.none()  # an outsider; someone who may create projects needs a scheme
    used_by_mine = Exists(Project.objects.filter(scheme=OuterRef("pk"), pk__in=ids))
    used_at_all = Exists(Project.objects.filter(scheme=OuterRef("pk")))
    return schemes.filter(Q(is_default=True) | used_by_mine | ~used_at_all)


def changeable_schemes(request: HttpRequest) -> QuerySet[VerdictScheme]:
    """Schemes the user may edit: not the default, and used only by projects they manage."""
    managed = project_ids(request, Capability.MANAGE)
    schemes = VerdictScheme.objects.all()
    if managed is None:
        return schemes
    if not managed:
        return schemes.none()
    # Editing a scheme changes the verdicts of every project using it, so all must be theirs.
    foreign = Exists(Project.objects.filter(scheme=OuterRef("pk")).exclude(pk__in=managed))
    return schemes.filter(is_default=False).filter(~foreign)


class VerdictInline(ScopedInline):
    model = Verdict
    editable = True
    fields = (
        "order", "code", "name", "hotkey", "colour", "fever_label", "averitec_label",
        "claimreview_rating", "claimreview_name_en", "claimreview_name_fr", "description",
    )


@admin.register(VerdictScheme)
class VerdictSchemeAdmin(ScopedAdmin):
    inlines = [VerdictInline]
    list_display = ("name", "slug", "is_default", "verdict_count", "project_count", "created_at")
    list_filter = ("is_default",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_schemes(request).annotate(
            verdict_count=count_of(Verdict.objects.filter(scheme=OuterRef("pk"))),
            project_count=count_of(Project.objects.filter(scheme=OuterRef("pk"))),
        )

    def choices_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_schemes(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_view_permission(request)
        return visible_schemes(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request, Capability.MANAGE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return may(request, Capability.MANAGE)
        return changeable_schemes(request).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    @admin.display(description="verdicts", ordering="verdict_count")
    def verdict_count(self, obj: WithAnnotations[VerdictScheme, _SchemeCounts]) -> int:
        return obj.verdict_count

    @admin.display(description="projects", ordering="project_count")
    def project_count(self, obj: WithAnnotations[VerdictScheme, _SchemeCounts]) -> int:
        return obj.project_count


@admin.register(Verdict)
class VerdictAdmin(ScopedAdmin):
    list_display = (
        "name", "code", "scheme", "order", "hotkey", "swatch", "fever_label", "averitec_label",
        "claimreview_rating",
    )
    list_select_related = ("scheme",)
    list_filter = ("scheme", "fever_label", "averitec_label")
    search_fields = ("code", "name", "description")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Verdict.objects.filter(scheme__in=visible_schemes(request)).select_related("scheme")

    def choices_queryset(self, request: HttpRequest) -> QuerySet:
        return self.get_queryset(request)

    def related_choices(self, request: HttpRequest, model: type) -> QuerySet | None:
        # A verdict is added to a scheme the user may change, never to a shared one.
        return changeable_schemes(request) if model is VerdictScheme else None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scheme_admin = self.admin_site._registry[VerdictScheme]
        return scheme_admin.has_view_permission(request, obj and obj.scheme)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request, Capability.MANAGE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scheme_admin = self.admin_site._registry[VerdictScheme]
        return scheme_admin.has_change_permission(request, obj and obj.scheme)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    @admin.display(description="colour")
    def swatch(self, obj: Verdict) -> str:
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;background:{}"></span> {}',
            obj.colour, obj.colour,
        )


# --- outlets: each project's own, seen by its reviewers, edited by its managers ------------------


@admin.register(Outlet)
class OutletAdmin(ScopedAdmin):
    add_capability = Capability.MANAGE
    change_capability = Capability.MANAGE
    delete_capability = Capability.MANAGE
    list_display = ("name", "project", "domain", "country", "language")
    list_select_related = ("project",)
    list_filter = (ProjectFilter, "country", "language")
    search_fields = ("name", "domain")

    fields = ("project", "name", "domain", "country", "language", "import_job")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Its articles point at it from its project: an outlet never moves to another one.
        return ["project", "import_job"] if obj is not None else ["import_job"]

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        with refusals():
            adopt(obj, outlet_save(outlet=obj, by=staff_user(request)))


# --- projects and members -------------------------------------------------------------------


class MembershipInline(ScopedInline):
    model = Membership
    form = MembershipForm
    editable = True
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A role is given or taken away (through the services), never edited in place.
        return False


# Fields project_create takes; the rest of the settings are edited once the project exists.
PROJECT_ADD_FIELDS = (
    "name", "slug", "language", "scheme", "overlap", "blind", "auto_accept_unanimous",
    "description", "guidelines",
)


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    project_path = ""
    change_capability = Capability.MANAGE
    inlines = [MembershipInline]
    list_display = (
        "name", "slug", "language", "scheme", "task_kind", "overlap", "blind", "article_count",
        "member_count", "created_at",
    )
    list_select_related = ("scheme",)
    list_filter = ("task_kind", "language", "blind", "auto_accept_unanimous")
    search_fields = ("name", "slug", "organisation", "description")
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at")
    actions = ["import_articles", "suggest_claims", "retrain_suggestion_model", "build_release"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "organisation", "language")}),
        ("Work", {"fields": (
            "scheme", "task_kind", "overlap", "blind", "auto_accept_unanimous", "suggest_on_import",
            "suggest_threshold", "suggest_per_10k", "guidelines",
        )}),
        ("Releases", {"fields": ("licence", "public_base_url", "show_annotator_names")}),
        ("Record", {"fields": ("created_by", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            article_count=count_of(Article.objects.filter(project=OuterRef("pk"))),
            member_count=count_of(
                Membership.objects.filter(project=OuterRef("pk")), "user", distinct=True
            ),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": PROJECT_ADD_FIELDS})]
        return super().get_fieldsets(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The same rule project_create applies: a Django permission, not a project role.
        return bool(request.user.is_active and request.user.has_perm("annotations.add_project"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a project deletes all of its work: superusers only.
        return bool(request.user.is_active and request.user.is_superuser)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Whether the user manages any project (the import action's permission)."""
        return may(request, Capability.MANAGE)

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if change:
            # No service edits a project's settings; managers of it may save them as they are.
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        with refusals():
            project = project_create(
                created_by=staff_user(request), **{name: data[name] for name in PROJECT_ADD_FIELDS}
            )
        adopt(obj, project)
        forget_roles(request)  # the creator has just become its manager

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        project = form.instance
        with refusals():
            # Give roles before taking any away, so a manager can be replaced in one save.
            for membership in formset.new_objects:
                membership_add(
                    project=project, user=membership.user, role=membership.role, by=staff_user(request)
                )
            for membership in formset.deleted_objects:
                membership_remove(
                    project=project, user=membership.user, role=membership.role, by=staff_user(request)
                )
        forget_roles(request)

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj: WithAnnotations[Project, _ProjectCounts]) -> int:
        return obj.article_count

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: WithAnnotations[Project, _ProjectCounts]) -> int:
        return obj.member_count

    # -- importing articles

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.import_view)
        own = [
            path("<path:object_id>/import/", view, name="annotations_project_import"),
            path(
                "<path:object_id>/release/", self.admin_site.admin_view(self.release_view),
                name="annotations_project_release",
            ),
        ]
        return own + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id.isdigit():
            extra_context["can_import"] = may(request, Capability.MANAGE, int(object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Import articles into the selected project", permissions=["manage"])
    def import_articles(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Open the import page of the one selected project."""
        selected = list(queryset.values_list("pk", flat=True)[:2])
        if len(selected) != 1:
            self.message_user(request, "Select exactly one project to import into.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:annotations_project_import", args=[selected[0]]))

    # -- suggestions

    @admin.action(description="Suggest claims for the whole project", permissions=["manage"])
    def suggest_claims(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Queue a suggest job over every article of each selected project; all or none."""
        with refusals(), transaction.atomic():
            jobs = [suggest_job_start(project=p, by=staff_user(request)) for p in queryset.order_by("pk")]
        for job in jobs:
            job_queued(self, request, job, f"Suggesting claims in all articles of {job.project}")

    @admin.action(description="Retrain the suggestion model", permissions=["manage"])
    def retrain_suggestion_model(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Queue a retrain of each selected project's model; all or none."""
        with refusals(), transaction.atomic():
            jobs = [retrain_job_start(project=p, by=staff_user(request)) for p in queryset.order_by("pk")]
        for job in jobs:
            job_queued(self, request, job, f"Retraining the suggestion model of {job.project}")

    # -- dataset releases

    @admin.action(description="Build a dataset release", permissions=["manage"])
    def build_release(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Open the release page of the one selected project."""
        selected = list(queryset.values_list("pk", flat=True)[:2])
        if len(selected) != 1:
            self.message_user(request, "Select exactly one project to release.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:annotations_project_release", args=[selected[0]]))

    def release_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Version, formats and filters of a new release; a background job builds it. Managers only."""
        try:
            project = project_get_for_user(
                request.user, project_id=int(object_id), capability=Capability.MANAGE
            )
        except (ValueError, NotFound):
            raise Http404("No such project.") from None
        codes = list(project.scheme.verdicts.order_by("order").values_list("code", "name"))
        posted = request.method == "POST"
        form = BuildReleaseForm(request.POST if posted else None, verdicts=codes)
        # ClaimReview is ticked only when the project has a public address for its fact checks.
        form.fields["formats"].initial = release_default_formats(project)
        if posted and form.is_valid():
            data = form.cleaned_data
            filters = {
                name: data[name] for name in ("min_agreement", "verdicts", "since", "until")
                if data[name] not in (None, "", [])
            }
            filters["include_unadjudicated"] = data["include_unadjudicated"]
            try:
                job = release_job_start(
                    project=project, by=staff_user(request), version=data["version"],
                    formats=data["formats"], filters=filters,
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                job_queued(self, request, job, f"Release {data['version']} of {project}")
                return HttpResponseRedirect(reverse("admin:annotations_job_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Build a dataset release of {project}",
            "opts": self.opts,
            "original": project,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/annotations/project/build_release.html", context)

    def import_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Upload a file of articles; a background job imports it. Managers of the project only."""
        try:
            project = project_get_for_user(
                request.user, project_id=int(object_id), capability=Capability.MANAGE
            )
        except (ValueError, NotFound):
            raise Http404("No such project.") from None
        # PermissionDenied (a member without the right) propagates: the admin answers 403.
        posted = request.method == "POST"
        form = ImportArticlesForm(request.POST, request.FILES) if posted else ImportArticlesForm()
        job = None
        if posted and form.is_valid():
            try:
                job = import_job_start(
                    project=project,
                    by=staff_user(request),
                    upload=form.cleaned_data["file"],
                    format=form.cleaned_data["format"] or None,
                )
            except ValidationError as exc:
                # What the file's first bytes show cannot be imported: said on the form at once.
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
        if job is not None:
            self.message_user(
                request,
                f"Import of “{form.cleaned_data['file'].name}” queued as job #{job.pk}; "
                "this page shows its progress and result.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:annotations_job_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import articles into {project}",
            "opts": self.opts,
            "original": project,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/annotations/project/import_articles.html", context)


class BuildReleaseForm(forms.Form):
    """A release's version, formats and filters, named as release_job_start names them."""

    version = forms.CharField(max_length=40, help_text="e.g. v1.0; letters, digits, . _ - only.")
    formats = forms.MultipleChoiceField(
        choices=[(f, f) for f in RELEASE_FORMATS], initial=list(RELEASE_FORMATS),
        widget=forms.CheckboxSelectMultiple,
    )
    include_unadjudicated = forms.BooleanField(
        required=False, help_text="Also release accepted claims without a final verdict.",
    )
    min_agreement = forms.FloatField(
        required=False, min_value=0, max_value=1,
        help_text="Least share of a claim's annotators agreeing with its final verdict.",
    )
    verdicts = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: every verdict.",
    )
    since = forms.DateField(
        required=False, help_text="YYYY-MM-DD, on the statement's date, else the article's.",
    )
    until = forms.DateField(required=False, help_text="YYYY-MM-DD, inclusive.")

    def __init__(self, *args: Any, verdicts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["verdicts"]).choices = verdicts


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    add_capability = Capability.MANAGE
    delete_capability = Capability.MANAGE
    list_display = ("user", "project", "role", "created_at")
    list_select_related = ("user", "project")
    list_filter = (ProjectFilter, "role")
    search_fields = ("user__username", "user__email", "project__name")
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied("Memberships are given or removed, not edited.")
        data = form.cleaned_data
        with refusals():
            membership = membership_add(
                project=data["project"], user=data["user"], role=data["role"], by=staff_user(request)
            )
        adopt(obj, membership)
        forget_roles(request)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        with refusals():
            membership_remove(project=obj.project, user=obj.user, role=obj.role, by=staff_user(request))
        forget_roles(request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(
            request,
            queryset.select_related("project", "user"),
            lambda m: membership_remove(project=m.project, user=m.user, role=m.role, by=staff_user(request)),
        )
        forget_roles(request)
