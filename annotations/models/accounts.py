"""API tokens, stored as hashes and bound to the password they were issued under."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# The first characters of every key, kept in clear to find the row and to show the owner which
# token is which; the rest of the key (128 bits or more) is known only from its hash.
PREFIX_LENGTH = 8


def token_digest(key: str) -> str:
    """SHA-256 of a whole key: a key is random enough that a fast hash cannot be reversed."""
    return hashlib.sha256(key.encode()).hexdigest()


def password_digest(password_hash: str) -> str:
    """SHA-256 of the user's stored password hash: any change of password changes it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def new_key() -> str:
    """A fresh key: 48 hexadecimal characters, 192 random bits."""
    return secrets.token_hex(24)


class ApiToken(models.Model):
    """A key a script sends as `Authorization: Token <key>`; the key itself is never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the whole key, hexadecimal.")
    password_digest = models.CharField(
        max_length=64, help_text="SHA-256 of the user's password hash when the token was issued."
    )
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    def matches(self, key: str) -> bool:
        """Whether `key` is this token's, compared in constant time."""
        return hmac.compare_digest(self.digest, token_digest(key))

    def is_current(self) -> bool:
        """Whether the user still has the password (and is active) the token was issued under."""
        user = self.user
        return user.is_active and hmac.compare_digest(self.password_digest, password_digest(user.password))
