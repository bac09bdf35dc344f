"""A bulk import leaves the planner statistics of its tables fresh (ANALYZE), on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from annotations.models import Article, body_hash
from annotations.services import statistics
from annotations.services.imports import articles_import

pytestmark = pytest.mark.django_db


def _analysed_rows(table: str) -> int | None:
    """What the planner believes the table holds (None before any ANALYZE)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            tuples = cursor.fetchone()[0]
            return None if tuples < 0 else int(tuples)
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        row = cursor.fetchone()
        return None if row is None else int(row[0].split()[0])


def test_a_few_rows_leave_the_statistics_alone(project) -> None:
    assert statistics.tables_analyse(Article, rows=statistics.ANALYSE_AFTER_ROWS - 1) is False


def test_it_analyses_after_many_rows(project) -> None:
    Article.objects.bulk_create(
        Article(project=project, title=str(i), body=f"corps {i}", body_hash=body_hash(f"corps {i}"))
        for i in range(1200)
    )
    assert statistics.tables_analyse(Article, rows=1200) is True
    counted = _analysed_rows(Article._meta.db_table)
    assert counted is not None and counted > 500  # SQLite estimates from a sample; PostgreSQL counts


def test_an_import_leaves_its_tables_analysed(project, max_, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(statistics, "ANALYSE_AFTER_ROWS", 3)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"title": f"T{i}", "body": f"Texte {i}."}) + "\n" for i in range(5)))
    # (PostgreSQL keeps what an earlier test's ANALYZE found: statistics are not rolled back.)
    assert _analysed_rows(Article._meta.db_table) != 5
    report = articles_import(project=project, path=path, by=max_)
    assert report.created == 5
    assert _analysed_rows(Article._meta.db_table) == 5
