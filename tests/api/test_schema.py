"""The OpenAPI schema: generated without warnings, every operation described with an example;
Swagger UI served with local assets only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.conftest import need_service

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_schema_generates_without_warnings(tmp_path) -> None:
    """`manage.py spectacular --validate --fail-on-warn` passes (a fresh process, as in CI)."""
    out = tmp_path / "schema.yaml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=ROOT, env={**os.environ, "DEBUG": "1"}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method, operation


def test_every_operation_is_described_with_examples(anon) -> None:
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    operations = list(_operations(schema))
    assert len(operations) >= 40
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), f"{where}: no summary/description"
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            assert content.get("examples"), f"{where}: request {media} has no example"
        documented = op["responses"]
        success = [code for code in documented if code.startswith("2")]
        assert success, f"{where}: no success response"
        for code in success:
            for media, content in documented[code].get("content", {}).items():
                assert content.get("examples"), f"{where}: response {code} {media} has no example"
        if path != "/api/v1/auth/token/" or method == "delete":
            assert "401" in documented, f"{where}: 401 not documented"
        for code, response_ in documented.items():
            for media, content in response_.get("content", {}).items():
                if not code.startswith("2"):
                    assert content.get("examples"), f"{where}: {code} has no example"


def test_docs_page_uses_local_assets_only(anon) -> None:
    page = anon.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css",
                  "favicon-32x32.png"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset
    assert settings.SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"] == "SIDECAR"


@pytest.mark.browser
# serialized_rollback: the flush after the test would drop the default scheme the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_swagger_ui_renders_offline_in_a_browser(live_server) -> None:
    """Chromium opens /api/docs/, renders every operation, and asks nothing of another host."""
    if not Path("/usr/bin/chromium").exists():
        need_service("chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    settings.DEBUG = True  # runserver-like static serving for the live server
    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_server.url) or r.url.startswith("data:")
                else foreign.append(r.url))
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)
        count = page.locator(".opblock").count()
        browser.close()
    assert count >= 40
    assert foreign == []
