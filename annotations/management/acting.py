"""Who a management command acts as: commands go through the same role checks as people."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from annotations.access import AuthUser
from annotations.models import Membership, Project, Role


def acting_user(project: Project, username: str | None) -> AuthUser:
    """The named user, or else the project's first manager."""
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user
    membership = (
        Membership.objects.filter(project=project, role=Role.MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise CommandError("the project has no manager; name a user with --user")
    return membership.user
