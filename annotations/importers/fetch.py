"""Fetch the pages of a list of URLs, politely. No Django: the import service passes the policy.

Polite means: one request at a time (the list is fetched in order, by one worker), a pause
between two requests to one host (the policy's, or the host's robots.txt Crawl-delay if longer),
robots.txt obeyed for the Workbench's user agent, a timeout on every request, no more than
`max_bytes` read from any response, and a user agent that says who is asking.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .reader import FIELDS, RecordError, printable, unstorable

USER_AGENT = "Workbench/1.0 (fact-checking annotation workbench; article import)"
# The token robots.txt groups are matched against.
ROBOTS_AGENT = "Workbench"
MAX_URLS = 10_000
MAX_REDIRECTS = 5
_LIST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How pages are fetched; the import service fills it from the settings."""

    timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    host_delay: float = 1.0
    # Loopback, private and link-local addresses are refused unless allowed (tests, intranets):
    # a manager's URL list must not reach the services beside the worker.
    allow_private: bool = False
    user_agent: str = USER_AGENT


@dataclass(slots=True)
class Fetched:
    """A URL of the list and what came of it: the page's bytes, or why there are none."""

    line: int
    url: str
    data: bytes | None = None
    final_url: str = ""
    error: str = ""


def read_url_list(path: Path | str) -> tuple[list[tuple[int, str]], list[RecordError]]:
    """The list's URLs with their line numbers, and its bad lines; blank and # lines are skipped."""
    path = Path(path)
    name = printable(path.name)
    urls: list[tuple[int, str]] = []
    errors: list[RecordError] = []
    with path.open("rb") as fh:
        data = fh.read(_LIST_BYTES + 1)
    if len(data) > _LIST_BYTES:
        return [], [RecordError(name, None, None, f"a list of URLs may hold at most {MAX_URLS:,} URLs")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [], [RecordError(name, line, None, "not valid UTF-8; save the file as UTF-8")]
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        value = raw.strip()
        if not value or value.startswith("#"):
            continue
        problem = unstorable(value)
        parts = urlsplit(value)
        limit = FIELDS["url"][1] or 0
        if problem:
            errors.append(RecordError(name, number, "url", problem))
        elif parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
            errors.append(RecordError(name, number, "url", f"{value[:80]!r} is not an http(s) URL"))
        elif len(value) > limit:
            errors.append(RecordError(name, number, "url", f"is {len(value)} characters; at most {limit}"))
        elif value not in seen:
            seen.add(value)
            urls.append((number, value))
    if len(urls) > MAX_URLS:
        errors.append(RecordError(name, None, None, f"holds {len(urls):,} URLs; at most {MAX_URLS:,}"))
    elif not urls and not errors:
        errors.append(RecordError(name, None, None, "contains no URLs"))
    return urls, errors


class _Refused(Exception):
    """Why a URL is not fetched."""


def _check_host(url: str, policy: FetchPolicy) -> None:
    """Refuse a URL whose host resolves to an address the policy keeps out of reach."""
    host = urlsplit(url).hostname or ""
    if policy.allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise _Refused(f"the host {host!r} cannot be resolved ({exc.strerror or exc})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise _Refused(f"the host {host!r} is a private or local address ({address}); not fetched")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, each checked like the first URL."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise _Refused(f"redirected to {newurl[:80]!r}, which is not an http(s) URL")
        _check_host(newurl, self.policy)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """Fetch URLs one after another, obeying robots.txt and pausing between requests to a host."""

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._opener = urllib.request.build_opener(_Redirects(policy))
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}  # origin → when the last request to it started

    def _wait(self, origin: str, delay: float) -> None:
        last = self._last.get(origin)
        if last is not None:
            pause = last + delay - self._clock()
            if pause > 0:
                self._sleep(pause)
        self._last[origin] = self._clock()

    def _get(self, url: str, origin: str, delay: float) -> tuple[int, bytes, str]:
        """Status, at most max_bytes + 1 bytes of the body, and the final URL."""
        _check_host(url, self.policy)
        self._wait(origin, delay)
        request = urllib.request.Request(url, headers={
            "User-Agent": self.policy.user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        })
        try:
            with self._opener.open(request, timeout=self.policy.timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                    raise _Refused(_too_large(self.policy))
                return response.status, response.read(self.policy.max_bytes + 1), response.url
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, b"", url

    def _robots_for(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The origin's robots.txt rules; None when it has none (everything is allowed)."""
        if origin not in self._robots:
            parser = urllib.robotparser.RobotFileParser()
            robots_url = origin + "/robots.txt"
            try:
                status, body, _ = self._get(robots_url, origin, self.policy.host_delay)
            except (OSError, ValueError) as exc:
                # Unreachable: RFC 9309 says to assume everything is disallowed.
                raise _Refused(f"its robots.txt could not be read ({_reason(exc)}); not fetched") from None
            if status >= 500:
                raise _Refused(f"its robots.txt answered HTTP {status}; not fetched")
            if 400 <= status < 500:
                self._robots[origin] = None  # no robots.txt: no rules
            else:
                parser.parse(body[: self.policy.max_bytes].decode("utf-8", "replace").splitlines())
                self._robots[origin] = parser
        return self._robots[origin]

    def fetch(self, line: int, url: str) -> Fetched:
        """One URL: its page, or the reason it could not be had."""
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        try:
            robots = self._robots_for(origin)
            delay = self.policy.host_delay
            if robots is not None:
                if not robots.can_fetch(ROBOTS_AGENT, url):
                    raise _Refused("robots.txt disallows it for the Workbench; not fetched")
                crawl_delay = robots.crawl_delay(ROBOTS_AGENT)
                if crawl_delay:
                    delay = max(delay, float(crawl_delay))
            status, data, final = self._get(url, origin, delay)
        except _Refused as exc:
            return Fetched(line, url, error=str(exc))
        except (OSError, ValueError) as exc:
            return Fetched(line, url, error=f"could not be fetched ({_reason(exc)})")
        if status != 200:
            return Fetched(line, url, error=f"the server answered HTTP {status}")
        if len(data) > self.policy.max_bytes:
            return Fetched(line, url, error=_too_large(self.policy))
        return Fetched(line, url, data=data, final_url=final)

    def fetch_all(self, urls: list[tuple[int, str]]) -> Iterator[Fetched]:
        for line, url in urls:
            yield self.fetch(line, url)


def _too_large(policy: FetchPolicy) -> str:
    return f"the page is larger than {policy.max_bytes:,} bytes; not imported"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    return str(exc) or type(exc).__name__
