"""What the manager's views share: the project with the user's roles, and the page context."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ....access import Capability, can
from ....models import Project
from ....selectors.manage import project_with_roles

TEMPLATES = "annotations/ui/manage/"


def project_for(
    request: HttpRequest, slug: str, capability: Capability = Capability.MANAGE
) -> tuple[Project, frozenset[str]]:
    """The project and the user's roles; NotFound for outsiders, PermissionDenied without the capability."""
    return project_with_roles(request.user, slug, capability)


def page_context(project: Project, roles: frozenset[str], user: Any, tab: str, **extra: Any) -> dict:
    """The context every project page of this area needs: the navigation and what the user may do."""
    return {
        "project": project,
        "roles": roles,
        "tab": tab,
        "may_manage": can(roles, Capability.MANAGE, user=user),
        "may_release": can(roles, Capability.RELEASES, user=user),
        **extra,
    }
