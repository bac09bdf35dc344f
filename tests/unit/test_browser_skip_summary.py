"""`make test` says loudly when browser tests were skipped (pytest's terminal summary hook)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.conftest import pytest_terminal_summary


class Reporter:
    def __init__(self, skipped: list) -> None:
        self.stats = {"skipped": skipped}
        self.lines: list[str] = []

    def write_sep(self, sep: str, title: str, **markup: bool) -> None:
        self.lines.append(title)


def test_it_names_skipped_browser_tests() -> None:
    reporter = Reporter([SimpleNamespace(nodeid="tests/browser/test_csp.py::test_it", keywords={"browser": 1}),
                         SimpleNamespace(nodeid="tests/test_jobs.py::test_other", keywords={})])
    pytest_terminal_summary(reporter, 0, None)  # type: ignore[arg-type]
    assert reporter.lines == [
        "1 BROWSER TESTS SKIPPED: Chromium is not installed (Debian: apt-get install chromium); "
        "the UI was not tested in a browser"
    ]


def test_it_says_nothing_when_no_browser_test_was_skipped() -> None:
    reporter = Reporter([SimpleNamespace(nodeid="tests/test_jobs.py::test_other", keywords={})])
    pytest_terminal_summary(reporter, 0, None)  # type: ignore[arg-type]
    assert reporter.lines == []
