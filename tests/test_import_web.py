"""Importing web pages: HTML files and zips of them, and lists of URLs fetched by the worker.

Pages are fetched from an HTTP server the test starts on 127.0.0.1, never from the internet.
"""

from __future__ import annotations

import http.server
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.importers.fetch import USER_AGENT, Fetcher, FetchPolicy, read_url_list
from annotations.models import Article, Outlet
from annotations.services.imports import ImportRefused, articles_import

pytestmark = pytest.mark.django_db

WEB = Path(__file__).parent / "fixtures" / "web"
PAGE = (WEB / "sommet.html").read_bytes()
OTHER = PAGE.replace("Lavrov".encode(), "Peskov".encode()).replace(b"sommet-anchorage", b"peskov")


class _Site(http.server.BaseHTTPRequestHandler):
    """A small news site: robots.txt, two articles, a slow page, a huge page, and 404s."""

    seen: list[tuple[str, str, float]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        _Site.seen.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
        routes = {
            "/robots.txt": (WEB / "robots.txt").read_bytes(),
            "/a/sommet.html": PAGE,
            "/a/peskov.html": OTHER,
            "/no-workbench/page.html": PAGE,
            "/a/empty.html": b"<html><head><title>Vide</title></head><body><script>1</script></body></html>",
        }
        if self.path == "/a/slow.html":
            time.sleep(3)
        if self.path == "/a/huge.html":
            body = b"<html><body><p>" + b"x" * 300_000 + b"</p></body></html>"
        elif self.path in routes:
            body = routes[self.path]
        else:
            self.send_error(404)
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(settings) -> Iterator[str]:
    settings.IMPORT_FETCH_ALLOW_PRIVATE = True
    settings.IMPORT_FETCH_HOST_DELAY_MS = 0
    settings.IMPORT_FETCH_TIMEOUT = 1
    settings.IMPORT_FETCH_MAX_BYTES = 200_000
    _Site.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_it_imports_an_html_page_with_its_metadata(project, max_):
    report = articles_import(project=project, path=WEB / "sommet.html", by=max_)
    assert report.created == 1
    article = Article.objects.get()
    assert article.title == "Sommet d'Anchorage : la Russie inflexible"
    assert (article.author, str(article.published_on), article.language) == ("Jeanne Dupont", "2025-08-16", "fr")
    assert article.url == "https://www.lemonde.fr/international/article/2025/08/16/sommet-anchorage.html"
    assert article.outlet == Outlet.objects.get(name="Le Monde")
    assert article.outlet.domain == "lemonde.fr"
    # The main text, without the menu or the footer, stored as extracted.
    assert "Sergueï Lavrov a déclaré" in article.body
    assert "Accueil" not in article.body and "Tous droits" not in article.body
    assert "<p>" not in article.body


def test_it_imports_a_zip_of_pages_and_refuses_one_without_text(project, max_, tmp_path):
    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/sommet.html", PAGE)
        zf.writestr("b/peskov.htm", OTHER)
        zf.writestr("c.txt", "Un article en texte.")
    assert articles_import(project=project, path=archive, by=max_).created == 3
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("ok.html", PAGE.replace(b"Lavrov", b"Lavroff"))
        zf.writestr("empty.html", "<html><head><title>Vide</title></head><body>\x00</body></html>")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=bad, by=max_)
    [error] = exc.value.errors
    assert (error.file, error.field) == ("bad.zip:empty.html", "body")
    assert "no article text" in error.message
    assert Article.objects.count() == 3


def test_it_fetches_a_list_of_urls_politely_reporting_each_failure(project, max_, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(
        "# Anchorage\n"
        f"{site}/a/sommet.html\n"
        f"{site}/a/missing.html\n"
        f"{site}/no-workbench/page.html\n"
        f"{site}/a/slow.html\n"
        f"{site}/a/huge.html\n"
        f"{site}/a/empty.html\n"
        f"{site}/a/peskov.html\n"
        f"{site}/a/sommet.html\n",  # listed twice: fetched once
        encoding="utf-8",
    )
    report = articles_import(project=project, path=urls, by=max_, format="urls")
    assert (report.source, report.created) == ("urls.txt", 2)
    failed = {f["line"]: f["error"] for f in report.failed_urls}
    assert set(failed) == {3, 4, 5, 6, 7}
    assert failed[3] == "the server answered HTTP 404"
    assert "robots.txt disallows" in failed[4]
    assert "timed out" in failed[5]
    assert "larger than 200,000 bytes" in failed[6]
    assert "no article text" in failed[7]
    article = Article.objects.get(url__endswith="sommet-anchorage.html")
    assert article.metadata["source"]["fetched_from"] == f"{site}/a/sommet.html"
    paths = [p for p, _, _ in _Site.seen]
    assert paths.count("/robots.txt") == 1 and "/no-workbench/page.html" not in paths
    assert paths.count("/a/sommet.html") == 1
    assert {agent for _, agent, _ in _Site.seen} == {USER_AGENT}


def test_it_pauses_between_requests_to_one_host(site):
    pauses: list[float] = []
    fetcher = Fetcher(FetchPolicy(host_delay=5, allow_private=True), sleep=pauses.append)
    list(fetcher.fetch_all([(1, f"{site}/a/sommet.html"), (2, f"{site}/a/peskov.html")]))
    # robots.txt, then each page: two waits of (nearly) the whole delay, never a request at once.
    assert len(pauses) == 2 and all(4 < p <= 5 for p in pauses)


def test_it_refuses_a_list_with_bad_lines_before_fetching_anything(project, max_, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site}/a/sommet.html\nftp://example.org/x\nnot a url\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=urls, by=max_, format="urls")
    assert [(e.line, e.field) for e in exc.value.errors] == [(2, "url"), (3, "url")]
    assert _Site.seen == [] and not Article.objects.exists()


def test_a_list_where_every_page_fails_imports_nothing_and_says_why(project, max_, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site}/a/missing.html\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=urls, by=max_, format="urls")
    [error] = exc.value.errors
    assert (error.line, error.field, error.message) == (1, "url", "the server answered HTTP 404")


def test_private_addresses_are_refused_unless_allowed(site):
    [page] = Fetcher(FetchPolicy(host_delay=0)).fetch_all([(1, f"{site}/a/sommet.html")])
    assert "private or local address" in page.error and page.data is None
    assert _Site.seen == []


def test_the_command_takes_a_list_of_urls(project, max_, site, tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site}/a/sommet.html\n{site}/a/missing.html\n", encoding="utf-8")
    call_command("import_articles", urls=str(urls), project=project.slug, user=max_.username)
    captured = capsys.readouterr()
    assert "1 imported" in captured.out
    assert "line 2" in captured.err and "HTTP 404" in captured.err
    with pytest.raises(CommandError):
        call_command("import_articles", str(urls), urls=str(urls), project=project.slug)


def test_read_url_list_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("\n# note\nhttps://example.org/a\n\nhttps://example.org/b\n", encoding="utf-8")
    assert read_url_list(path) == ([(3, "https://example.org/a"), (5, "https://example.org/b")], [])


def test_a_page_never_brings_a_nul_or_a_lone_surrogate(project, max_, tmp_path):
    from annotations.importers.html import html_record
    from annotations.importers.reader import RecordError

    page = PAGE.replace(b"Moscou", b"Mos\x00cou &#0; &#xD800; &#55296;")
    item = html_record("p.html", 1, page)
    assert not isinstance(item, RecordError)
    # The parser drops the NUL and replaces what is not a character, as browsers do.
    assert "\x00" not in item.body and not any(0xD800 <= ord(c) <= 0xDFFF for c in item.body)
    assert "Moscou \ufffd" in item.body


def test_the_job_page_lists_the_urls_that_failed(project, max_, client):
    from django.urls import reverse

    from annotations.models import JobKind, JobStatus
    from annotations.services.jobs import job_create

    job = job_create(project=project, kind=JobKind.IMPORT, by=max_, params={"format": "urls"})
    job.status = JobStatus.SUCCEEDED
    job.result = {
        "source": "urls.txt", "records": 1, "created": 1, "duplicates": 0, "duplicate_lines": [],
        "claims": 0, "relations": 0,
        "failed_urls": [{"line": 3, "url": "https://example.org/gone", "error": "the server answered HTTP 404"}],
    }
    job.save()
    client.force_login(max_)
    response = client.get(reverse("ui:job", args=[job.pk]))
    assert response.status_code == 200
    assert b"https://example.org/gone" in response.content and b"HTTP 404" in response.content


def test_urls_pasted_in_the_import_page_are_fetched(project, max_, client, site, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from annotations.models import Job, JobStatus
    from annotations.services.imports import import_job_work
    from annotations.services.jobs import job_run

    client.force_login(max_)
    url = reverse("ui:import", args=[project.slug])
    response = client.post(url, {"urls": f"{site}/a/sommet.html\n{site}/a/missing.html\n"})
    assert response.status_code == 302, response.content
    job = Job.objects.get()
    assert job.params["format"] == "urls"
    job = job_run(job.pk, import_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 1 and [f["line"] for f in job.result["failed_urls"]] == [2]
    # Neither a file nor URLs, or both: the form says so and nothing is queued.
    assert client.post(url, {}).status_code == 400
    with open(WEB / "sommet.html", "rb") as fh:
        assert client.post(url, {"file": fh, "urls": f"{site}/a/sommet.html"}).status_code == 400
    assert Job.objects.count() == 1
