"""Who may do what in a project: roles map to capabilities, checked by selectors and services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# Within one request, each (user, project)'s roles once: a page's view and the selectors it calls
# each check them (2–4 reads of the same rows a page otherwise). None outside a request (jobs,
# shells, tests calling services), where every call reads the database as before.
_ROLES_MEMO: ContextVar[dict[tuple[int, int], frozenset[str]] | None] = ContextVar("roles_memo", default=None)


@contextmanager
def roles_memo() -> Iterator[None]:
    """Remember roles_for's answers until the block ends (one request; see RolesMemoMiddleware)."""
    token = _ROLES_MEMO.set({})
    try:
        yield
    finally:
        _ROLES_MEMO.reset(token)


def forget_roles(**_: object) -> None:
    """Drop remembered roles: a membership was written (connected to Membership's save and delete)."""
    memo = _ROLES_MEMO.get()
    if memo is not None:
        memo.clear()


def roles_for(user: User, project: Project | int) -> frozenset[str]:
    """The roles the user holds in the project (one query, once a request; none for anonymous users)."""
    if not user.is_authenticated:
        return frozenset()
    project_id = project.pk if isinstance(project, Project) else project
    memo = _ROLES_MEMO.get()
    key = (user.pk, project_id)
    if memo is not None and key in memo:
        return memo[key]
    # order_by(): Membership's default order joins the project for its name, which one user's
    # roles in one project do not need.
    roles = frozenset(
        Membership.objects.filter(user=user, project_id=project_id).order_by().values_list("role", flat=True)
    )
    if memo is not None:
        memo[key] = roles
    return roles


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
