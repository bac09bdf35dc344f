"""Helpers shared by the write paths."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Callable, TypeVar, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..access import StaleVersion
from ..models import Adjudication, Annotation, CheckQuestion, Claim, RelationCandidate

M = TypeVar("M", bound=Model)


def attnames_of(model: type[Model]) -> tuple[str, ...]:
    """The model's concrete fields' attribute names, in its field order."""
    return tuple(f.attname for f in model._meta.concrete_fields)


def columns_of(alias: str, model: type[Model], attnames: Sequence[str] | None = None) -> list[str]:
    """The quoted `alias.column` of each attribute named (all concrete fields by default), for a
    hand-written statement whose rows from_row turns into instances."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connections["default"].ops.quote_name
    return [f"{alias}.{quote(cast(str, fields[name].column))}" for name in (attnames or attnames_of(model))]


@lru_cache(maxsize=256)  # keyed by the thread's connection wrapper: converters are bound to it
def _loader(
    connection: BaseDatabaseWrapper, model: type[Model], attnames: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[tuple[int, Any, list[Callable]], ...]]:
    """The attnames in the model's field order (as from_db takes them) and, for each, its index
    in the statement's row, its Col and the converters Django's compiler would apply."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    ordered = tuple(name for name in attnames_of(model) if name in attnames)
    steps = []
    for name in ordered:
        col = fields[name].get_col(model._meta.db_table)
        converters = [*connection.ops.get_db_converters(col), *fields[name].get_db_converters(connection)]
        steps.append((attnames.index(name), col, converters))
    return ordered, tuple(steps)


def from_row(model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """An instance of `model` from a hand-written statement's columns, converted as the ORM would
    (SQLite's booleans and aware datetimes, JSON...); the fields not given are deferred."""
    connection = connections["default"]
    ordered, steps = _loader(connection, model, tuple(attnames))
    converted = []
    for index, col, converters in steps:
        value = values[index]
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, ordered, converted)


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
