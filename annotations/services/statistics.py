"""The query planner's statistics, refreshed after bulk writes (imports) so lists stay fast."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

# Below this many new rows the statistics the planner has are still good enough.
ANALYSE_AFTER_ROWS = 1000


def tables_analyse(*models: type[Model], rows: int) -> bool:
    """ANALYZE the models' tables (PostgreSQL; SQLite from a sample) once `rows` new rows were written.

    Without it, a list page right after a 50,000-article import is planned from statistics of an
    empty table (a sort of every row instead of an index walk). Returns whether it ran.
    """
    if rows < ANALYSE_AFTER_ROWS:
        return False
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A sample of each index, not a scan of every row: quick even on a large file.
            cursor.execute("PRAGMA analysis_limit=1000")
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return True
