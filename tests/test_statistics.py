"""A bulk import leaves the planner statistics of its tables fresh (ANALYZE), on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from annotations.models import Article, Claim, ClaimStatus, body_hash
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
    assert counted is not None and counted > 500


def test_an_import_leaves_its_tables_analysed(project, max_, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(statistics, "ANALYSE_AFTER_ROWS", 3)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"title": f"T{i}", "body": f"Texte {i}."}) + "\n" for i in range(5)))
    # (PostgreSQL keeps what an earlier test's ANALYZE found: statistics are not rolled back.)
    assert _analysed_rows(Article._meta.db_table) != 5
    report = articles_import(project=project, path=path, by=max_)
    assert report.created == 5
    assert _analysed_rows(Article._meta.db_table) == 5


def _index_stat(index: str) -> list[int]:
    """SQLite's figures for one index: its rows, then rows per distinct prefix of its columns."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        return [int(n) for n in cursor.fetchone()[0].split()[:3]]


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="sqlite_stat1 and its sampled index entries are SQLite's; PostgreSQL's ANALYZE samples rows and was never affected",
)
def test_sqlite_counts_every_index_entry_so_a_project_is_not_guessed_small(project, max_) -> None:
    """From a sample of 1,000 index entries SQLite guessed a project of 50,000 articles held 1,001,
    and listed the project's claims by sorting every one of them for the first page."""
    articles = Article.objects.bulk_create(
        Article(project=project, title=str(i), body=f"corps {i}", body_hash=body_hash(f"corps {i}"))
        for i in range(2500)
    )
    Claim.objects.bulk_create(
        Claim(article=a, start=0, end=5, quote="corps", status=ClaimStatus.ACCEPTED) for a in articles
    )
    assert statistics.tables_analyse(Article, Claim, rows=2500) is True
    total, per_project, _ = _index_stat("article_project_id_idx")
    assert total == per_project == 2500
    # The API's claim list, page 1 (its statement): the claims in id order, each article's project
    # checked, no sort of the project's claims.
    listed = Claim.objects.filter(article__project__in=[project.pk]).order_by("pk")[:11]
    sql, params = listed.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def forget_statistics(*tables: str) -> None:
    """Drop SQLite's figures for these tables (earlier tests commit theirs; a flush keeps them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({', '.join(['%s'] * len(tables))})", list(tables))


def _articles(project, n: int, start: int = 0) -> None:  # noqa: ANN001
    Article.objects.bulk_create(
        Article(project=project, title=str(i), body=f"texte {i}", body_hash=body_hash(f"texte {i}"))
        for i in range(start, start + n)
    )


@pytest.mark.skipif(connection.vendor != "sqlite",
                    reason="the refresh analyses SQLite only; CI's SQLite stage runs this, its PostgreSQL stage the next test")
def test_sqlite_analyses_a_table_again_once_it_grew_past_a_tenth(project) -> None:
    """Like PostgreSQL's autovacuum: 50 rows plus a tenth of the table changed, and not before."""
    table = Article._meta.db_table
    forget_statistics(table, Claim._meta.db_table)
    _articles(project, 100)
    refreshed = statistics.sqlite_statistics_refresh()
    assert table in refreshed and Claim._meta.db_table not in refreshed  # no claims: nothing to plan
    assert _analysed_rows(table) == 100
    _articles(project, 60, start=100)  # 60 = 50 + a tenth of 100: not yet
    assert table not in statistics.sqlite_statistics_refresh()
    assert _analysed_rows(table) == 100
    _articles(project, 1, start=160)
    assert table in statistics.sqlite_statistics_refresh()
    assert _analysed_rows(table) == 161
    assert statistics.sqlite_statistics_refresh() == []  # everything is fresh now


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="PostgreSQL's case (autovacuum analyses there); CI's PostgreSQL stage runs it, its SQLite stage the test above")
def test_postgresql_is_left_to_its_autovacuum(project) -> None:
    _articles(project, 200)
    assert statistics.sqlite_statistics_refresh() == []
