"""The embedded default to PostgreSQL: export a busy project from the test database (SQLite by
default), import it with manage.py into a fresh PostgreSQL database, and compare every row and
every release file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from annotations.services.seeds import PROJECT_SLUG
from tests.archive_world import busy_project, canonical, release_checksums
from tests.conftest import need_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SERVER = os.environ.get("ARCHIVE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture
def target_db():
    """A fresh PostgreSQL database (dropped afterwards), or a skip naming why there is none."""
    try:
        import psycopg

        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means no server to test against
        need_service(f"PostgreSQL unreachable at {SERVER}: {exc}")
    name = f"wb_archive_target_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _manage(database_url: str, media: Path, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media), "SECRET_KEY": "dev"}
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_project_moves_from_the_test_database_to_postgresql_row_by_row(target_db, tmp_path, media):
    project = busy_project()
    source = tmp_path / "from.zip"
    call_command("export_project", PROJECT_SLUG, str(source), verbosity=0)
    target_media = tmp_path / "target-media"
    _manage(target_db, target_media, "migrate", "--noinput", "-v", "0")
    out = _manage(target_db, target_media, "import_project", str(source))
    assert f"project {PROJECT_SLUG} created" in out
    back = tmp_path / "back.zip"
    _manage(target_db, target_media, "export_project", PROJECT_SLUG, str(back))
    a, b = canonical(source), canonical(back)
    # The default scheme is the one the target's own migration made (same slug, same verdicts):
    # reused, so its creation time is the target's.
    for rows in (a["scheme.jsonl"], b["scheme.jsonl"]):
        rows[0].pop("created_at")
    assert a.keys() == b.keys()
    for member in a:
        assert len(a[member]) == len(b[member]), member
        for number, (ra, rb) in enumerate(zip(a[member], b[member]), start=1):
            assert ra == rb, f"{member} row {number} differs after the move from {connection.vendor}"
    assert sum(len(rows) for rows in a.values()) > 300
    # Every release file is in the new media folder, byte for byte.
    for version, fmt, digest in release_checksums(project):
        rows = [r for r in b["release_files.jsonl"] if r["format"] == fmt]
        assert rows and rows[0]["sha256"] == digest, fmt
        name = rows[0]["file"]
        moved = target_media / "releases" / PROJECT_SLUG / version / name
        assert hashlib.sha256(moved.read_bytes()).hexdigest() == digest, fmt
