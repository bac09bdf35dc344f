"""Write paths for projects and their members."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from ..access import AuthUser, Capability, StaleVersion, User, require
from ..models import Adjudication, Annotation, Membership, Project, Role, VerdictScheme
from .adjudication import adjudication_backfill
from .assignments import assignments_release


def default_scheme() -> VerdictScheme:
    """The scheme shipped by the data migration."""
    return VerdictScheme.objects.get(is_default=True)


@transaction.atomic
def project_create(
    *,
    name: str,
    slug: str,
    created_by: AuthUser,
    language: str = "fr",
    scheme: VerdictScheme | None = None,
    overlap: int = 2,
    blind: bool = True,
    auto_accept_unanimous: bool = True,
    guidelines: str = "",
    description: str = "",
    members: Iterable[tuple[AuthUser, str]] = (),
) -> Project:
    """Create a project; its creator becomes a manager. Needs the add_project permission."""
    if not created_by.is_active or not created_by.has_perm("annotations.add_project"):
        raise PermissionDenied(gettext("You may not create projects."))
    project = Project(
        name=name,
        slug=slug,
        language=language,
        scheme=scheme or default_scheme(),
        overlap=overlap,
        blind=blind,
        auto_accept_unanimous=auto_accept_unanimous,
        guidelines=guidelines,
        description=description,
        created_by=created_by,
    )
    project.full_clean()
    project.save()
    Membership.objects.create(user=created_by, project=project, role=Role.MANAGER)
    for user, role in members:
        membership_add(project=project, user=user, role=role, by=created_by)
    return project


def membership_add(
    *, project: Project, user: AuthUser, role: str, by: AuthUser
) -> Membership:
    """Give a user a role in the project (idempotent). Managers only."""
    require(by, project, Capability.MANAGE)
    membership = Membership(user=user, project=project, role=role)
    membership.full_clean(validate_unique=False)
    membership, _ = Membership.objects.get_or_create(user=user, project=project, role=role)
    return membership


@transaction.atomic
def membership_remove(
    *, project: Project, user: AuthUser, role: str, by: AuthUser
) -> None:
    """Take a role away, freeing the slots it held; the last manager stays. Managers only."""
    require(by, project, Capability.MANAGE)
    # Lock the managers so two concurrent removals cannot leave the project without one.
    managers = list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.MANAGER)
        .values_list("user_id", flat=True)
    )
    if role == Role.MANAGER and managers == [user.pk]:
        raise PermissionDenied(gettext("A project keeps at least one manager."))
    Membership.objects.filter(project=project, user=user, role=role).delete()
    assignments_release(project=project, user=user)


# Settings a manager may change after creation; slug, salt and record fields are never edited.
PROJECT_SETTINGS = frozenset({
    "name", "description", "language", "guidelines", "scheme", "task_kind", "overlap", "blind",
    "auto_accept_unanimous", "suggest_on_import", "suggest_threshold", "suggest_per_10k",
    "show_annotator_names", "organisation", "licence", "public_base_url",
})
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def schemes_available_to(user: User) -> QuerySet[VerdictScheme]:
    """Schemes a user may choose: the default, those of their projects, and unused ones."""
    schemes = VerdictScheme.objects.all()
    if user.is_active and user.is_superuser:
        return schemes
    if not user.is_authenticated:
        return schemes.none()
    mine = Exists(Project.objects.filter(scheme=OuterRef("pk"), memberships__user=user))
    used = Exists(Project.objects.filter(scheme=OuterRef("pk")))
    return schemes.filter(Q(is_default=True) | mine | ~used)


def _check_settings(project: Project, by: AuthUser, changes: dict[str, Any]) -> None:
    """Refuse changes the model's own validation does not cover, keyed by field."""
    errors: dict[str, str] = {}
    if "overlap" in changes:
        overlap = changes["overlap"]
        if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 1:
            errors["overlap"] = gettext("At least one annotator per claim.")
    if "language" in changes and not LANGUAGE_RE.match(str(changes["language"] or "")):
        errors["language"] = gettext("Use a language code such as fr, en or pt-BR.")
    if "name" in changes and not str(changes["name"] or "").strip():
        errors["name"] = gettext("A project needs a name.")
    if "scheme" in changes:
        scheme = changes["scheme"]
        if not isinstance(scheme, VerdictScheme):
            errors["scheme"] = gettext("Choose a verdict scheme.")
        elif scheme.pk != project.scheme_id:
            if not schemes_available_to(by).filter(pk=scheme.pk).exists():
                errors["scheme"] = gettext("This verdict scheme is not available to you.")
            elif (
                Annotation.objects.filter(claim__article__project=project).exists()
                or Adjudication.objects.filter(claim__article__project=project).exists()
            ):
                # Verdicts given under the old scheme would point at labels the project no longer has.
                errors["scheme"] = gettext("The scheme cannot change once claims have been annotated.")
    if errors:
        raise ValidationError(errors)


def settings_version(project: Project) -> str:
    """A fingerprint of the project's settings: the optimistic-locking version of a settings form.

    Projects carry no version column; a hash of what the form shows serves the same purpose.
    """
    values = {
        name: getattr(project, "scheme_id" if name == "scheme" else name)
        for name in sorted(PROJECT_SETTINGS)
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


@transaction.atomic
def project_update(
    *, project: Project, by: AuthUser, version: str | None = None, **fields: Any
) -> Project:
    """Change a project's settings; ValidationError keyed by field, nothing saved. Managers only.

    With `version` (settings_version of the project as the editor saw it), a project someone
    changed in the meantime raises StaleVersion instead of being overwritten.
    """
    require(by, project, Capability.MANAGE)
    unknown = sorted(set(fields) - PROJECT_SETTINGS)
    if unknown:
        raise ValidationError({name: gettext("This setting cannot be changed here.") for name in unknown})
    # Lock the row so two managers' saves apply one after the other, each checked on its own.
    current = Project.objects.select_for_update().get(pk=project.pk)
    if version is not None and version != settings_version(current):
        raise StaleVersion(
            current, gettext("Someone changed these settings since you opened them; nothing was saved.")
        )
    changes = {name: value for name, value in fields.items() if getattr(current, name) != value}
    _check_settings(current, by, changes)
    if not changes:
        return current
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean(exclude=["slug"], validate_unique=False)
    current.save(update_fields=sorted(changes))
    if changes.get("auto_accept_unanimous") is True:
        # Claims judged unanimously before the switch get their final verdict now, as later ones will.
        adjudication_backfill(project=current, by=by)
    return current
