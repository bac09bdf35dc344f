"""The query planner's statistics, refreshed after bulk writes (imports) so lists stay fast."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

# Below this many new rows the statistics the planner has are still good enough.
ANALYSE_AFTER_ROWS = 1000


def tables_analyse(*models: type[Model], rows: int) -> bool:
    """ANALYZE the models' tables (PostgreSQL and SQLite) once `rows` new rows were written.

    Without it, a list page right after a 50,000-article import is planned from statistics of an
    empty table (a sort of every row instead of an index walk). Returns whether it ran.
    """
    if rows < ANALYSE_AFTER_ROWS:
        return False
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    with connection.cursor() as cursor:
        # On SQLite every entry of each index, not a sample (`PRAGMA analysis_limit`): from 1,000
        # entries of a one-project file of 50,000 articles it guessed 1,001 articles a project, so
        # the API's claim list sorted every claim of the project for its first page (15 ms in
        # process at 50,000 claims, growing with them; 4-5 ms after a full ANALYZE, 0.13 s there).
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return True


# When a table's figures are stale: PostgreSQL's autovacuum re-analyses a table once 50 rows plus a
# tenth of it have changed (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor). SQLite
# has no such daemon, so a claim table analysed when it was empty was planned as empty for good
# (claims come a few at a time); the workers' reconciler applies the same rule to SQLite.
STALE_ROWS = 50
STALE_SHARE = 0.1


def _sqlite_analysed_rows(cursor) -> dict[str, int]:  # noqa: ANN001
    """Rows each table held at its last ANALYZE, as sqlite_stat1 recorded them."""
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if cursor.fetchone() is None:
        return {}
    # One line per index, its first figure the entries in it; the largest is the table's rows (a
    # partial index holds fewer, and every table here also has a full one, or no index at all and
    # a line of its own).
    cursor.execute("SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")
    return dict(cursor.fetchall())


def sqlite_statistics_refresh() -> list[str]:
    """ANALYZE each SQLite table whose row count moved past STALE_ROWS + STALE_SHARE since its last one.

    Returns the tables analysed. PostgreSQL's autovacuum does this there, so nothing is done.
    """
    if connection.vendor != "sqlite":
        return []
    quote = connection.ops.quote_name
    stale: list[str] = []
    with connection.cursor() as cursor:
        recorded = _sqlite_analysed_rows(cursor)
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            now = cursor.fetchone()[0]
            before = recorded.get(table, 0)
            if abs(now - before) > STALE_ROWS + STALE_SHARE * before:
                stale.append(table)
        for table in stale:
            cursor.execute(f"ANALYZE {quote(table)}")
    return stale
