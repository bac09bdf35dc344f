"""Write paths for projects and their members."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..access import Capability, require
from ..models import Membership, Project, Role, VerdictScheme


def default_scheme() -> VerdictScheme:
    """The scheme shipped by the data migration."""
    return VerdictScheme.objects.get(is_default=True)


@transaction.atomic
def project_create(
    *,
    name: str,
    slug: str,
    created_by: AbstractBaseUser,
    language: str = "fr",
    scheme: VerdictScheme | None = None,
    overlap: int = 2,
    blind: bool = True,
    auto_accept_unanimous: bool = True,
    guidelines: str = "",
    description: str = "",
    members: Iterable[tuple[AbstractBaseUser, str]] = (),
) -> Project:
    """Create a project; its creator becomes a manager. Needs the add_project permission."""
    if not created_by.is_active or not created_by.has_perm("annotations.add_project"):
        raise PermissionDenied("You may not create projects.")
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
    *, project: Project, user: AbstractBaseUser, role: str, by: AbstractBaseUser
) -> Membership:
    """Give a user a role in the project (idempotent). Managers only."""
    require(by, project, Capability.MANAGE)
    membership = Membership(user=user, project=project, role=role)
    membership.full_clean(validate_unique=False)
    membership, _ = Membership.objects.get_or_create(user=user, project=project, role=role)
    return membership


@transaction.atomic
def membership_remove(
    *, project: Project, user: AbstractBaseUser, role: str, by: AbstractBaseUser
) -> None:
    """Take a role away; the last manager cannot be removed. Managers only."""
    require(by, project, Capability.MANAGE)
    # Lock the managers so two concurrent removals cannot leave the project without one.
    managers = list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.MANAGER)
        .values_list("user_id", flat=True)
    )
    if role == Role.MANAGER and managers == [user.pk]:
        raise PermissionDenied("A project keeps at least one manager.")
    Membership.objects.filter(project=project, user=user, role=role).delete()
