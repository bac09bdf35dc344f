"""API tokens: each user issues, rotates and revokes their own; only hashes are stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from ..access import AuthUser
from ..models.accounts import PREFIX_LENGTH, ApiToken, new_key, password_digest, token_digest

# A script that logs in on every run gets a new token each time; beyond this many the oldest
# are dropped, so the table stays small and forgotten keys die.
TOKENS_PER_USER = 10


@dataclass(frozen=True)
class IssuedToken:
    """A token just made, with its key: the only moment the key is known."""

    token: ApiToken
    key: str


def _check(user: AuthUser) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(gettext("Log in to manage your API token."))


@transaction.atomic
def token_issue(*, user: AuthUser) -> IssuedToken:
    """A new token for the user, bound to their current password; older tokens stay valid."""
    _check(user)
    current = password_digest(user.password)
    # Tokens of an earlier password can never work again: drop them with the surplus.
    ApiToken.objects.filter(user=user).exclude(password_digest=current).delete()
    keep = list(ApiToken.objects.filter(user=user).values_list("pk", flat=True)[: TOKENS_PER_USER - 1])
    ApiToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    key = new_key()
    token = ApiToken(user=user, prefix=key[:PREFIX_LENGTH], digest=token_digest(key), password_digest=current)
    token.full_clean()
    token.save()
    return IssuedToken(token=token, key=key)


@transaction.atomic
def token_rotate(*, user: AuthUser) -> IssuedToken:
    """Replace all of the user's tokens (so revoking them) with one new token."""
    _check(user)
    ApiToken.objects.filter(user=user).delete()
    return token_issue(user=user)


def token_revoke(*, user: AuthUser) -> bool:
    """Delete all of the user's tokens; whether there was any."""
    _check(user)
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)
