"""Creating a project, its settings, and its members."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .... import selectors
from ....access import Capability, StaleVersion, can, roles_for
from ....models import Role
from ....services.projects import (
    membership_add,
    membership_remove,
    project_create,
    project_update,
    settings_version,
)
from ...forms_manage import (
    MemberAddForm,
    MemberRemoveForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    add_service_errors,
)
from ..common import AuthenticatedHttpRequest, member_view
from .base import TEMPLATES, page_context, project_for

# Fields project_create takes; the other settings of the creation form go through project_update.
CREATE_FIELDS = (
    "name", "slug", "language", "scheme", "overlap", "blind", "auto_accept_unanimous",
    "guidelines", "description",
)


def project_home_url(slug: str) -> str:
    """The project page, where a manager lands after creating a project."""
    return reverse("ui:project", args=[slug])


@login_required
def project_create_view(request: HttpRequest) -> HttpResponse:
    """A new project; its creator becomes its manager. Users with the add_project permission only."""
    user = request.user
    if not (user.is_active and user.has_perm("annotations.add_project")):
        raise PermissionDenied(_("You may not create projects."))
    form = ProjectCreateForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                project = project_create(created_by=user, **{k: data[k] for k in CREATE_FIELDS})
                if data["task_kind"] != project.task_kind:
                    project = project_update(project=project, by=user, task_kind=data["task_kind"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Project “%(name)s” created. Add its members and import its articles.")
                % {"name": project.name},
            )
            return redirect(project_home_url(project.slug))
    return render(
        request, TEMPLATES + "project_create.html", {"form": form}, status=400 if form.errors else 200
    )


@member_view
def project_settings(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Every setting of the project, with a live preview of the guidelines. Managers only."""
    project, roles = project_for(request, slug)
    if request.method == "POST":
        form = ProjectSettingsForm(request.POST, user=request.user)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            version = fields.pop("version") or None
            try:
                project = project_update(project=project, by=request.user, version=version, **fields)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except StaleVersion as exc:
                # Keep what this manager typed, against the newer settings: saving again applies it.
                data = request.POST.copy()
                data["version"] = settings_version(exc.current)
                form = ProjectSettingsForm(data, user=request.user)
                form.is_valid()
                form.add_error(None, str(exc))
                context = page_context(exc.current, roles, request.user, "settings", form=form, stale=True)
                return render(request, TEMPLATES + "settings.html", context, status=409)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("ui:project_settings", slug=project.slug)
    else:
        form = ProjectSettingsForm(initial=ProjectSettingsForm.initial_for(project), user=request.user)
    context = page_context(project, roles, request.user, "settings", form=form)
    return render(request, TEMPLATES + "settings.html", context, status=400 if form.errors else 200)


@member_view
@require_POST
def guidelines_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The guidelines as they would be shown, rendered from the posted Markdown (a partial)."""
    project, _roles = project_for(request, slug)
    from ...markdown import render_markdown

    html = render_markdown(request.POST.get("guidelines", ""))
    return render(request, TEMPLATES + "_guidelines_preview.html", {"html": html})


@member_view
def members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The project's members and their roles; add a role by username. Managers only."""
    project, roles = project_for(request, slug)
    form = MemberAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user, role = form.cleaned_data["username"], form.cleaned_data["role"]
        try:
            membership_add(project=project, user=user, role=role, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(user)s is now %(role)s.")
                % {"user": user.get_username(), "role": Role(role).label.lower()},
            )
            return redirect("ui:members", slug=project.slug)
    people: OrderedDict[int, dict] = OrderedDict()
    for membership in selectors.members_of(request.user, project).order_by("user__username", "role"):
        entry = people.setdefault(membership.user_id, {"user": membership.user, "roles": []})
        entry["roles"].append(membership)
    managers = sum(1 for p in people.values() if any(m.role == Role.MANAGER for m in p["roles"]))
    context = page_context(
        project, roles, request.user, "members", form=form, people=list(people.values()),
        managers=managers,
    )
    return render(request, TEMPLATES + "members.html", context, status=400 if form.errors else 200)


@member_view
@require_POST
def member_remove(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Take one role away from a member; the last manager keeps theirs. Managers only."""
    project, _roles = project_for(request, slug)
    form = MemberRemoveForm(request.POST)
    user = None
    if form.is_valid():
        user = get_user_model()._default_manager.filter(pk=form.cleaned_data["user"]).first()
    if user is None:
        messages.error(request, _("No such member."))
        return redirect("ui:members", slug=project.slug)
    role = form.cleaned_data["role"]
    try:
        membership_remove(project=project, user=user, role=role, by=request.user)
    except PermissionDenied as exc:  # the last manager; the page itself was allowed
        messages.error(request, str(exc))
        return redirect("ui:members", slug=project.slug)
    messages.success(
        request, _("%(user)s is no longer %(role)s.")
        % {"user": user.get_username(), "role": Role(role).label.lower()},
    )
    if not can(roles_for(request.user, project), Capability.MANAGE, user=request.user):
        # The manager removed their own role: the members page is no longer theirs to see.
        return redirect(project_home_url(project.slug))
    return redirect("ui:members", slug=project.slug)
