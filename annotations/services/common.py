"""Helpers shared by the write paths."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Callable, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..access import StaleVersion
from ..models import Adjudication, Annotation, CheckQuestion, Claim, RelationCandidate

M = TypeVar("M", bound=Model)


@lru_cache(maxsize=256)  # keyed by the thread's connection wrapper: converters are bound to it
def _converters(
    connection: BaseDatabaseWrapper, model: type[Model], attnames: tuple[str, ...]
) -> tuple[tuple[Any, list[Callable]], ...]:
    """Per column, its Col and the converters Django's compiler would apply (the backend's, then the field's)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    out = []
    for name in attnames:
        field = by_attname[name]
        col = field.get_col(model._meta.db_table)
        out.append((col, [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]))
    return tuple(out)


def from_row(model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """An instance of `model` from a hand-written statement's columns, converted as the ORM would
    (SQLite's booleans and aware datetimes, JSON...); the fields not given are deferred."""
    names, connection = tuple(attnames), connections["default"]
    converted = []
    for value, (col, converters) in zip(values, _converters(connection, model, names)):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    given = dict(zip(names, converted))
    # from_db takes the values in the model's field order, whatever the statement's order
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in given]
    return model.from_db(connection.alias, ordered, [given[name] for name in ordered])


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
