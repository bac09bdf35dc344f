"""Shared fixtures: the personas of every test, and a small project they work in.

alice and bob annotate, rita reviews, max manages, rhea researches, charlie is an outsider.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from annotations.models import Article, Claim, ClaimOrigin, ClaimStatus, Membership, Project, Role, body_hash
from annotations.services.projects import default_scheme

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

BODY = (
    "Le ministre russe des Affaires étrangères, Sergueï Lavrov, a déclaré que la position de la "
    "Russie restait inchangée. JD Vance a affirmé dimanche que la Russie avait fait d'importantes "
    "concessions. 🙂 Le sommet a eu lieu le 15 août 2025 à Anchorage."
)


def need_service(reason: str) -> None:
    """Skip when a service is missing locally; fail in CI, where REQUIRE_SERVICES=1."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def users(django_user_model):
    """The personas, by name."""
    people = {}
    for name in ("alice", "bob", "rita", "max", "rhea", "charlie"):
        people[name] = django_user_model.objects.create_user(
            username=name, password="pw-" + name, is_staff=name in ("rita", "max")
        )
    people["max"].user_permissions.add(
        Permission.objects.get(codename="add_project", content_type__app_label="annotations")
    )
    return people


@pytest.fixture
def alice(users):
    return users["alice"]


@pytest.fixture
def bob(users):
    return users["bob"]


@pytest.fixture
def rita(users):
    return users["rita"]


@pytest.fixture
def max_(users):
    return users["max"]


@pytest.fixture
def rhea(users):
    return users["rhea"]


@pytest.fixture
def charlie(users):
    return users["charlie"]


@pytest.fixture
def project(users) -> Project:
    """A project with every persona but charlie as a member."""
    project = Project.objects.create(name="Test project", slug="test", scheme=default_scheme())
    for name, role in [
        ("alice", Role.ANNOTATOR),
        ("bob", Role.ANNOTATOR),
        ("rita", Role.REVIEWER),
        ("max", Role.MANAGER),
        ("rhea", Role.RESEARCHER),
    ]:
        Membership.objects.create(user=users[name], project=project, role=role)
    return project


@pytest.fixture
def article(project) -> Article:
    return Article.objects.create(
        project=project, title="Lavrov et Vance", body=BODY, body_hash=body_hash(BODY), language="fr"
    )


@pytest.fixture
def claim(article, alice) -> Claim:
    """An accepted claim on Lavrov's statement."""
    start = BODY.index("Sergueï Lavrov")
    end = BODY.index("inchangée.") + len("inchangée.")
    return Claim.objects.create(
        article=article, start=start, end=end, quote=BODY[start:end],
        origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice,
    )


@pytest.fixture
def verdicts(project) -> dict:
    """The default scheme's verdicts by code."""
    return {v.code: v for v in project.scheme.verdicts.all()}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remove SQLite test databases that crashed runs left behind, WAL files included.

    Django deletes only the main file; a stale -wal beside a new database is a disk I/O error.
    Test databases are named after their process, so only dead processes' files are removed.
    """
    from django.conf import settings

    for path in Path(settings.VAR_DIR).glob("test-*.sqlite3*"):
        pid = path.name.removeprefix("test-").split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)
    own = Path(settings.VAR_DIR) / f"test-{os.getpid()}.sqlite3"
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(own) + suffix).unlink(missing_ok=True)
    # Plain HTTP for the whole session, even when DEBUG is off (pytest run without `make`): the
    # live server builds its middleware once, before any per-test settings fixture runs.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Hash test passwords cheaply (personas are made for every test); serve plain HTTP.

    Each test gets its own claim-graph index folder: project ids repeat from test to test.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.GRAPH_INDEX_DIR = tmp_path_factory.mktemp("graph")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way of opening a connection fails, as on a machine with no network at all."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access in a test that must run offline")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say loudly when browser tests were skipped (no Chromium): a green run did not drive a browser."""
    skipped = [
        report for report in terminalreporter.stats.get("skipped", [])
        if "browser" in getattr(report, "keywords", {}) or "/browser/" in str(getattr(report, "fspath", ""))
        or "tests/browser/" in report.nodeid
    ]
    if skipped:
        terminalreporter.write_sep(
            "!", f"{len(skipped)} BROWSER TESTS SKIPPED: Chromium is not installed "
            "(Debian: apt-get install chromium); the UI was not tested in a browser", red=True, bold=True,
        )
