"""`Authorization: Token <key>`, checked against the stored hashes of the keys."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ..models.accounts import PREFIX_LENGTH, ApiToken
from ..services.common import attnames_of, columns_of, from_row

# last_used is a hint for the owner, not an audit log: writing it at most this often keeps a
# busy script from costing an UPDATE per request.
LAST_USED_PRECISION = timedelta(minutes=5)
# Keys are lowercase hexadecimal: 48 characters, or 40 for those carried over from DRF's authtoken.
# Anything else is refused before it reaches the database (a NUL would be a DataError there).
KEY_SHAPE = re.compile(r"[0-9a-f]{40,64}")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's header handling (keyword `Token`, 401 with `WWW-Authenticate: Token`) over ApiToken."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        """The user and token for `key`; refused once the user's password has changed."""
        token = None
        if KEY_SHAPE.fullmatch(key):
            for candidate in _with_prefix(key[:PREFIX_LENGTH]):
                if candidate.matches(key):
                    token = candidate
        if token is None or not token.is_current():
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.last_used is None or now - token.last_used > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token.user, token


def _with_prefix(prefix: str) -> list[ApiToken]:
    """ApiToken.objects.select_related("user").filter(prefix=prefix), in no order, hand-written:
    every API request reads it, and the ORM took longer to build the join than to run it."""
    user_model = get_user_model()
    q = connection.ops.quote_name
    token_fields, user_fields = attnames_of(ApiToken), attnames_of(user_model)
    columns = [*columns_of("t", ApiToken), *columns_of("u", user_model)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {q(ApiToken._meta.db_table)} t"
            f" INNER JOIN {q(user_model._meta.db_table)} u ON u.{q(cast(str, user_model._meta.pk.column))} = t.{q('user_id')}"
            f" WHERE t.{q('prefix')} = %s",
            [prefix],
        )
        rows = cursor.fetchall()
    tokens = []
    for row in rows:
        token = from_row(ApiToken, token_fields, row[:len(token_fields)])
        token.user = from_row(user_model, user_fields, row[len(token_fields):])
        tokens.append(token)
    return tokens
