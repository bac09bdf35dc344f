"""The admin's shared machinery: access by project membership, and services' refusals as errors.

Reviewers and managers are staff without Django model permissions: what they see and may change
in the admin follows their roles in each project (annotations.access), exactly as in the UI and
the API. Superusers see every project.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from ..access import CAPABILITIES, AuthUser, Capability, NotFound, StaleVersion
from ..models import Membership, Project

_ROLES_ATTR = "_workbench_admin_roles"
_REFUSAL_ATTR = "_workbench_admin_refusal"


# --- who may do what ----------------------------------------------------------------------------


def staff_user(request: HttpRequest) -> AuthUser:
    """Who acts in the admin, for the services: its site lets in only active staff."""
    user = request.user
    assert user.is_authenticated  # admin_view sent anyone else to the login page
    return user


def user_roles(request: HttpRequest) -> dict[int, frozenset[str]]:
    """The user's roles by project id: one query per request, kept on the request."""
    cached = getattr(request, _ROLES_ATTR, None)
    if cached is None:
        by_project: dict[int, set[str]] = defaultdict(set)
        user = request.user
        if user.is_authenticated and user.is_active:
            rows = Membership.objects.filter(user=user).order_by().values_list("project_id", "role")
            for project_id, role in rows:
                by_project[project_id].add(role)
        cached = {project_id: frozenset(roles) for project_id, roles in by_project.items()}
        setattr(request, _ROLES_ATTR, cached)
    return cached


def forget_roles(request: HttpRequest) -> None:
    """Drop the cached roles after the user's own memberships changed within this request."""
    if hasattr(request, _ROLES_ATTR):
        delattr(request, _ROLES_ATTR)


def is_superuser(request: HttpRequest) -> bool:
    """Whether an active superuser is asking: they administer every project."""
    return bool(request.user.is_active and request.user.is_superuser)


def project_ids(request: HttpRequest, capability: Capability) -> frozenset[int] | None:
    """Ids of the projects where the user's roles grant the capability; None means all of them."""
    if is_superuser(request):
        return None
    granted = CAPABILITIES[capability]
    return frozenset(pid for pid, roles in user_roles(request).items() if roles & granted)


def may(request: HttpRequest, capability: Capability | None, project_id: int | None = None) -> bool:
    """Whether the capability is granted in the project, or (no project given) in any project.

    A capability of None means the admin never allows the action, not even to superusers: those
    objects are written by services the admin does not expose (annotations, jobs, releases).
    """
    if capability is None:
        return False
    ids = project_ids(request, capability)
    if ids is None:
        return True
    return bool(ids) if project_id is None else project_id in ids


def scope(qs: QuerySet, path: str, ids: frozenset[int] | None) -> QuerySet:
    """Narrow a queryset to the projects `ids` along the ORM path to its project ("" = itself)."""
    if ids is None:
        return qs
    return qs.filter(**{f"{path}__in" if path else "pk__in": ids})


def count_of(qs: QuerySet, field: str = "pk", *, distinct: bool = False) -> Subquery:
    """COUNT over a correlated queryset as a scalar subquery: no join multiplies the outer rows."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    # A bare COUNT (not an aggregate to Django) keeps the subquery free of GROUP BY: one row, 0 if none.
    counted = qs.order_by().annotate(_n=Func(F(field), function="COUNT", template=template))
    return Subquery(counted.values("_n"), output_field=IntegerField())


# --- services' refusals -------------------------------------------------------------------------


class Refused(Exception):
    """A service refused a write; carried out of the admin's transaction to be shown to the user."""

    def __init__(self, error: ValidationError) -> None:
        self.error = error
        super().__init__("; ".join(error.messages))


@contextmanager
def refusals() -> Iterator[None]:
    """Turn what a service raises when it refuses (bad input, stale version, no right) into Refused."""
    try:
        yield
    except ValidationError as exc:
        raise Refused(exc) from exc
    except StaleVersion as exc:
        raise Refused(ValidationError(str(exc), code="stale")) from exc
    except (PermissionDenied, NotFound) as exc:
        raise Refused(ValidationError(str(exc) or "You may not do this.", code="denied")) from exc


def add_refusal(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: on its field when shown, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        else:
            label = name.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {m}" for e in errors for m in e.messages])


def adopt(target: models.Model, saved: models.Model) -> None:
    """Make the admin's own instance the row a service saved; the admin keeps using its reference."""
    target.__dict__.update(saved.__dict__)


def _form_with_refusal(form_class: type[forms.ModelForm], error: ValidationError) -> type:
    """A subclass of the admin's form that re-shows the refusal, so the input is kept."""

    class RefusedForm(form_class):  # type: ignore[valid-type,misc]  # a base mypy cannot follow
        def clean(self) -> dict[str, Any]:
            cleaned = super().clean()
            add_refusal(self, error)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class VersionedForm(forms.ModelForm):
    """A model form that remembers the version of the row it showed, for optimistic locking."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Without the version the form was shown, a save could silently overwrite a newer one.
        if self.instance.pk is not None and cleaned.get("expected_version") is None:
            raise ValidationError("The form lost track of the version it showed; reload the page.")
        return cleaned


# --- the admins ---------------------------------------------------------------------------------


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and rights follow the user's roles in each object's project.

    Any active staff user may open a changelist (it lists only their projects' rows, so an
    outsider's is empty); each object and action needs the capability set for it here.
    """

    # The ORM path from the model to its Project; "" when the model is Project itself.
    project_path: str = "project"
    view_capability: Capability = Capability.REVIEW
    add_capability: Capability | None = None
    change_capability: Capability | None = None
    delete_capability: Capability | None = None
    # Set when save_model calls a service that also writes the many-to-many fields.
    service_saves_m2m = False

    # -- rows

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """Only rows of projects where the user's roles grant the view capability."""
        return self.scoped(request, super().get_queryset(request), self.view_capability)

    def scoped(self, request: HttpRequest, qs: QuerySet, capability: Capability) -> QuerySet:
        """The queryset narrowed to projects where the capability is granted."""
        return scope(qs, self.project_path, project_ids(request, capability))

    def choices_queryset(self, request: HttpRequest) -> QuerySet:
        """What a foreign key to this model may offer the user: the rows they can see, plainly."""
        return self.scoped(request, self.model._default_manager.all(), self.view_capability)

    def project_id_of(self, obj: models.Model) -> int | None:
        """The id of the object's project, following project_path."""
        if not self.project_path:
            return obj.pk
        *hops, last = self.project_path.split("__")
        for hop in hops:
            obj = getattr(obj, hop)
            if obj is None:
                return None
        return getattr(obj, f"{last}_id")

    # -- rights

    def _allowed(self, request: HttpRequest, capability: Capability | None, obj: Any) -> bool:
        if obj is None:
            return may(request, capability)
        return may(request, capability, self.project_id_of(obj))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request, Capability.REVIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(request.user.is_active and request.user.is_staff)
        return self._allowed(request, self.view_capability, obj) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request, self.add_capability)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.change_capability, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, self.delete_capability, obj)

    # -- form fields offer only what the user may see

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            queryset = self.related_choices(request, db_field.related_model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            queryset = self.related_choices(request, db_field.related_model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def related_choices(self, request: HttpRequest, model: type[models.Model]) -> QuerySet | None:
        """Choices for a relation: projects the user may write in, else what the user can see."""
        if model is Project:
            capability = self.add_capability or self.change_capability or self.view_capability
            return scope(Project.objects.all(), "", project_ids(request, capability))
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, ScopedAdmin):
            return related_admin.choices_queryset(request)
        return None

    # -- writes through services: their refusals become form errors or messages, never a 500

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, _REFUSAL_ATTR, None)
        return form if error is None else _form_with_refusal(form, error)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            if hasattr(request, _REFUSAL_ATTR):
                raise
            # The refused write was rolled back with the admin's transaction; run the view again
            # on the same input, with the reason attached to the form, so nothing typed is lost.
            setattr(request, _REFUSAL_ATTR, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except Refused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not self.service_saves_m2m:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_each(self, request: HttpRequest, objects: Iterable[models.Model], delete: Any) -> None:
        """Delete through a service one by one, all or nothing (a bulk action is not atomic)."""
        with refusals(), transaction.atomic():
            for obj in objects:
                delete(obj)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin with a read-only history page: history is evidence, never a way back."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # simple_history answers 403 for an object of a project the user is not allowed in and
        # 404 for a missing one, which tells ids apart: both are "not found" here, as they are
        # on the change page (which says the same of both).
        try:
            return super().history_view(request, object_id, extra_context)
        except PermissionDenied:
            raise Http404 from None

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # simple_history would save the old version back on POST; history here is read-only
        # (the same refusal for every object, so it tells nothing about any).
        if request.method != "GET":
            raise PermissionDenied("History is read-only.")
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except PermissionDenied:
            raise Http404 from None  # as history_view: hidden and missing look the same


class ScopedInline(admin.TabularInline):
    """An inline whose rights follow its parent object's; read-only unless `editable`."""

    editable = False
    extra = 0

    def _parent_admin(self) -> ScopedAdmin:
        parent = self.admin_site._registry[self.parent_model]
        assert isinstance(parent, ScopedAdmin)  # every model of the app has one
        return parent

    def _may_write(self, request: HttpRequest, obj: Any) -> bool:
        if not self.editable:
            return False
        parent = self._parent_admin()
        return parent.has_add_permission(request) if obj is None else parent.has_change_permission(
            request, obj
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)


class ReadOnlyInline(ScopedInline):
    """A read-only inline, hidden on add pages where it would always be empty."""

    can_delete = False
    show_change_link = True
