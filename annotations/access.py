"""Who may do what in a project: roles map to capabilities, checked by selectors and services."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils.translation import gettext, pgettext_lazy

from .models import Membership, Project, Role


class Capability(StrEnum):
    """What a role lets a member do in a project."""

    VIEW = "view"
    FIND = "find"  # mark claims, accept or reject suggestions
    ANNOTATE = "annotate"  # give verdicts and evidence, blind to others
    REVIEW = "review"  # see everyone's work, correct claims, adjudicate
    MANAGE = "manage"  # settings, members, imports, jobs
    RELEASES = "releases"  # list and download dataset releases


CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.VIEW: frozenset(Role.values),
    Capability.FIND: frozenset({Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER}),
    Capability.ANNOTATE: frozenset({Role.ANNOTATOR}),
    Capability.REVIEW: frozenset({Role.REVIEWER, Role.MANAGER}),
    Capability.MANAGE: frozenset({Role.MANAGER}),
    Capability.RELEASES: frozenset({Role.RESEARCHER, Role.REVIEWER, Role.MANAGER}),
}

# The capability as the refusal names it ("does not allow you to review").
ACTIONS: dict[Capability, Any] = {
    Capability.VIEW: pgettext_lazy("capability", "view"),
    Capability.FIND: pgettext_lazy("capability", "find claims"),
    Capability.ANNOTATE: pgettext_lazy("capability", "annotate"),
    Capability.REVIEW: pgettext_lazy("capability", "review"),
    Capability.MANAGE: pgettext_lazy("capability", "manage"),
    Capability.RELEASES: pgettext_lazy("capability", "read releases"),
}

# AuthUser is the user model (AUTH_USER_MODEL is Django's own; the stubs type every foreign key to
# a user with it): a signed-in user, what services take since they record who acted. User is
# whoever asks, signed in or not: what selectors and require() take.
User = AuthUser | AnonymousUser


class NotFound(ObjectDoesNotExist):
    """The object does not exist, or the user may not know that it does."""


class StaleVersion(Exception):
    """An update named a version that is no longer current; nothing was changed."""

    def __init__(self, current: object, message: str = "") -> None:
        self.current: Any = current  # as it is now: whatever the raising service was updating
        super().__init__(message or "This was changed by someone else; reload to see the newer version.")


def roles_for(user: User, project: Project | int) -> frozenset[str]:
    """The roles the user holds in the project (one query; none for anonymous users)."""
    if not user.is_authenticated:
        return frozenset()
    project_id = project.pk if isinstance(project, Project) else project
    return frozenset(
        Membership.objects.filter(user=user, project_id=project_id).values_list("role", flat=True)
    )


def can(roles: frozenset[str], capability: Capability, *, user: User | None = None) -> bool:
    """Whether roles (or a superuser, who administers every project) grant the capability."""
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(roles & CAPABILITIES[capability])


def require(user: User, project: Project | int, capability: Capability) -> frozenset[str]:
    """Return the user's roles, or refuse: NotFound to outsiders, PermissionDenied to members."""
    if not user.is_authenticated or not user.is_active:
        raise NotFound(gettext("No such project."))
    return allow(user, roles_for(user, project), capability)


def allow(user: User, roles: frozenset[str], capability: Capability) -> frozenset[str]:
    """`require` on roles already read: return them, or refuse (NotFound to outsiders)."""
    if can(roles, capability, user=user):
        return roles
    if not roles and not getattr(user, "is_superuser", False):
        # Outsiders learn nothing, not even that the project exists.
        raise NotFound(gettext("No such project."))
    raise PermissionDenied(
        gettext("Your role in this project does not allow you to %(action)s.") % {"action": ACTIONS[capability]}
    )
