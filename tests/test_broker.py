"""The embedded broker (workbench/broker.py): a reader never sees part of a message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import virtual

from workbench.broker import Transport

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_bindings(monkeypatch: pytest.MonkeyPatch) -> None:
    """kombu keeps a filesystem broker's bindings for the whole process; each test has its own."""
    monkeypatch.setattr(Transport, "global_state", virtual.BrokerState())


def _connection(root: Path) -> Connection:
    """A connection to a filesystem broker of its own under `root`."""
    for sub in ("queue", "processed", "control"):
        (root / sub).mkdir(exist_ok=True)
    return Connection("filesystem://", transport=Transport, transport_options={
        "data_folder_in": str(root / "queue"), "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"), "control_folder": str(root / "control"),
        "store_processed": False, "polling_interval": 0.001,
    })


def test_a_reader_polling_while_messages_are_written_gets_each_whole(tmp_path: Path) -> None:
    """Large messages written while a reader polls: every one read arrives whole, none twice."""
    count, size = 60, 400_000
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with _connection(tmp_path) as conn:
                queue = conn.SimpleQueue("jobs")
                for i in range(count):
                    queue.put({"n": i, "pad": "x" * size})
                queue.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    writer = threading.Thread(target=write)
    got: list[int] = []
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        writer.start()
        while len(got) < count:
            # kombu's own channel fails here with a JSONDecodeError on a file being written.
            message = queue.get(timeout=30)
            assert len(message.payload["pad"]) == size
            got.append(message.payload["n"])
            message.ack()
        queue.close()
    writer.join()
    assert not errors
    assert got == list(range(count))
    assert not list((tmp_path / "queue").iterdir())
    assert not list((tmp_path / "processed").iterdir())


def test_a_message_left_half_written_by_a_killed_writer_is_never_taken(tmp_path: Path) -> None:
    """A partial file (its writer died before the rename) stays out of every queue."""
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        (tmp_path / "queue" / ".0b1d.part").write_bytes(b'{"body": "trunc')
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.3)
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()


def test_the_embedded_default_uses_the_atomic_transport(tmp_path: Path) -> None:
    """With no broker URL set, Celery publishes through workbench.broker, not kombu's own."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    code = ("import django; django.setup(); from workbench.celery import app; "
            "conn = app.connection_for_write(); print(type(conn.transport).__module__)")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**env, "WORKBENCH_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "workbench.settings"},
    )
    assert out.stdout.strip() == "workbench.broker"
