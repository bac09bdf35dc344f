"""API tokens: each user creates, rotates and revokes their own (one token per user)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from ..access import AuthUser


def _check(user: AuthUser) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(gettext("Log in to manage your API token."))


@transaction.atomic
def token_rotate(*, user: AuthUser) -> Token:
    """Give the user a fresh token, replacing (and so revoking) any previous one."""
    _check(user)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_get_or_create(*, user: AuthUser) -> Token:
    """The user's token, created if they have none (what logging in with a password gives)."""
    _check(user)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: AuthUser) -> bool:
    """Delete the user's token; whether there was one."""
    _check(user)
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)

