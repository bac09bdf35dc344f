"""Fixtures and helpers of the manage area's tests (import them with `from ... import *`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

__all__ = [
    "assert_refused", "default_scheme_id", "media", "people", "upload",
]


@pytest.fixture
def default_scheme_id(db) -> str:
    """The default verdict scheme's id, as a form posts it."""
    from annotations.services.projects import default_scheme

    return str(default_scheme().pk)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded job inputs and release files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(client_for, users, project) -> dict[str, Client]:
    """A logged-in client per persona (the project exists, so each has their role), and anonymous."""
    clients = {name: client_for(user) for name, user in users.items()}
    clients["anonymous"] = Client()
    return clients


def upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    """A file as a browser would upload it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def assert_refused(
    people: dict[str, Client], url: str, *, allowed: set[str], method: str = "get",
    data: dict | None = None, check: Callable[[str, int], None] | None = None,
) -> None:
    """Anonymous → the login page; charlie → 404; members without the right → 403; others not refused."""
    for name, client in people.items():
        response = getattr(client, method)(url, data or {})
        code = response.status_code
        if name == "anonymous":
            assert code == 302, (name, code)
            login = django_settings.LOGIN_URL
            assert "/login/" in response["Location"] or login in response["Location"], response["Location"]
        elif name == "charlie":
            assert code == 404, (name, code)
        elif name in allowed:
            assert code in (200, 302), (name, code)
        else:
            assert code == 403, (name, code)
        if check is not None:
            check(name, code)
