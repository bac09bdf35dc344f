"""A real worker keeps SQLite's planner statistics fresh as rows come a few at a time."""

from __future__ import annotations

import pytest
from django.db import connection

from annotations.models import Article, body_hash
from tests.integration.worker import Worker, check_broker, isolated_queue, wait_for
from tests.test_statistics import _analysed_rows, forget_statistics

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "sqlite",
                       reason="SQLite's statistics; PostgreSQL's autovacuum keeps its own (tests/test_statistics.py)"),
]


def test_the_workers_reconciler_analyses_a_table_that_grew(project, tmp_path) -> None:
    check_broker()
    table = Article._meta.db_table
    forget_statistics(table)  # earlier tests' imports and workers may have analysed it
    assert _analysed_rows(table) is None
    with isolated_queue() as queue:
        worker = Worker(queue, tmp_path / "worker.log", {"JOB_RECONCILE_SECONDS": "1"})
        try:
            for i in range(300):  # one at a time, as annotators and the API add them
                Article.objects.create(project=project, title=str(i), body=f"texte {i}", body_hash=body_hash(f"texte {i}"))
            wait_for(lambda: _analysed_rows(table) == 300, timeout=60, worker=worker,
                     what="the reconciler to analyse the article table")
        finally:
            worker.stop()
