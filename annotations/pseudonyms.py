"""Stable, non-reversible pseudonyms for annotators, per project (pure)."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(salt: str, user_id: int) -> str:
    """The annotator's pseudonym in the project whose salt this is, e.g. ``ann-3f9c20d1``."""
    digest = hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"ann-{digest[:8]}"
