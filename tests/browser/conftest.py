"""Browser tests: a real Chromium driven by Playwright (sync API) against the live server.

Debian's /usr/bin/chromium is used (Playwright's own browser download does not work here);
without it the tests skip locally and fail in CI (REQUIRE_SERVICES=1). Use the `page` fixture
and `log_in(page, live_server.url, "alice", "pw-alice")`, `log_out(page)`; screenshots go to
test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import need_service

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def page(live_server, settings, monkeypatch) -> Iterator[object]:
    """A Chromium page (1280 × 900) against the live server, closed after the test."""
    if not CHROMIUM.exists():
        need_service(f"chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls between steps
    # are synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DEBUG = True  # the live server then serves static files, as runserver does
    # The live server's request threads must not keep their connections open past the test,
    # or PostgreSQL refuses to drop the test database ("being accessed by other users").
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield tab
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs may have opened a connection of
            # their own; close it, or PostgreSQL refuses to drop the test database.
            connections.close_all()
        # A script error on any page is a failure, even if the test's steps passed.
        assert not errors, errors


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # Every page of a logged-in user has the log-out button; a refused login never gets it.
    page.wait_for_selector("#logout")


def settled(page, selector: str = "#claim-panel") -> None:
    """Wait until htmx has settled the content it swapped into `selector`.

    New content's hx-* attributes only work once htmx has processed it, at the end of the
    settle delay; keys pressed before that would be lost. Call it once the new content is
    known to be there (a new claim id, a notice), not while the request is still out.
    """
    page.wait_for_selector(f"{selector}:not(.htmx-added):not(.htmx-settling):not(.htmx-swapping)")


def log_out(page) -> None:
    """Log out with the top bar's button and wait for the login page."""
    page.click("#logout")
    page.wait_for_url("**/login/**")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
