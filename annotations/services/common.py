"""Helpers shared by the write paths."""

from __future__ import annotations

from typing import TypeVar

from ..access import StaleVersion
from ..models import Adjudication, Annotation, CheckQuestion, Claim, RelationCandidate




VersionedT = TypeVar("VersionedT", Adjudication, Annotation, CheckQuestion, Claim, RelationCandidate)  # the models updated at a known version


def lock_version(model: type[VersionedT], pk: int, version: int) -> VersionedT:
    """Lock the row and return it, version bumped, if still at `version`; else StaleVersion.

    Call inside a transaction: select_for_update holds the row on PostgreSQL until commit, and
    on SQLite the IMMEDIATE transaction already holds the database's write lock.
    """
    current = model._default_manager.select_for_update().get(pk=pk)
    if current.version != version:
        raise StaleVersion(current)
    current.version += 1
    return current
