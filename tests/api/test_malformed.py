"""Malformed requests answer 4xx, never 500, on every route: a NUL in a query parameter, JSON
that no database can store or that is nested too deep, forged cursors; and a database
connection that died between requests is replaced rather than failing a request.

Routes come from the OpenAPI schema (tests/api/routes.py) and the UI's URL patterns, so a new
route is covered without a new row.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.db.models import CharField, IntegerField, TextField
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from annotations.api.parsers import MAX_DEPTH, json_problem
from annotations.models import (
    Adjudication, Annotation, Article, Assignment, BatchKind, Claim, ClaimBatch, Evidence, Membership,
)
from tests.api.routes import fill, operations
from workbench.middleware import NUL_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(django_user_model):
    """An active superuser: every view lets them through to the request's body and parameters."""
    return django_user_model.objects.create_superuser(username="root", password="pw-root")


@pytest.fixture
def root_api(root, client_for, users):
    users["root"] = root
    return client_for("root")


@pytest.fixture
def ids(work, graph, project, article, claim, release, users) -> dict:
    """An id of each kind of object, all in the test project."""
    assignment = Assignment.objects.create(
        project=project, article=article, claim=claim, annotator=users["alice"], slot=0
    )
    return {
        "project": project.slug, "membership": Membership.objects.filter(project=project).first().pk,
        "article": article.pk, "claim": claim.pk, "relation": work["relation"].pk,
        "annotation": work["a_alice"].pk, "evidence": work["e_alice"].pk,
        "adjudication": work["adjudication"].pk, "job": work["job"].pk,
        "release": release.pk, "file": release.files.get().pk, "assignment": assignment.pk,
        "question": graph["question"].pk, "answer": graph["answer"].pk, "proposal": graph["proposal"].pk,
        "factcheck": graph["factcheck"].pk,
        "batch": ClaimBatch.objects.create(article=article, kind=BatchKind.DECIDE, status="accepted",
                                           created_by=users["alice"]).pk,
        **_comment_ids(claim),
        # A password-reset link's parts (one that is not valid: its page says so).
        "uidb64": "MQ", "token": "set-password",
    }


def _comment_ids(claim: Claim) -> dict:
    """A comment on the claim mentioning rita, and rita's notification of it."""
    from annotations.models import Notification
    from annotations.services.collab import comment_create

    comment = comment_create(by=claim.created_by, claim=claim, body="@rita is Lavrov quoted right?")
    return {"comment": comment.pk, "notification": Notification.objects.get(comment=comment).pk}


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Article, Claim, Annotation, Evidence, Adjudication, Membership)}


# --- NUL in query parameters ----------------------------------------------------------------------


def test_it_refuses_a_nul_in_any_query_parameter_of_every_api_route(root_api, anon, ids) -> None:
    """Each documented parameter, an undocumented one and a parameter's name, for every operation."""
    failures = []
    for op in operations():
        url = fill(op, ids)
        for query in [f"{name}=%00" for name in (*op.query, "unknown")] + ["%00=1", "q=a%00b"]:
            response = root_api.generic(op.method, f"{url}?{query}")
            if response.status_code != 400 or response.json() != {"detail": NUL_MESSAGE}:
                failures.append((str(op), query, response.status_code, response.content[:200]))
    print(*failures, sep="\n")
    assert failures == []
    # Anonymous clients too, before authentication is even looked at.
    assert anon.post("/api/v1/auth/token/?next=%00", {}, format="json").status_code == 400


# Path parameters of the UI's routes → the ids fixture's keys.
UI_PARAMS = {
    "slug": "project", "article_id": "article", "claim_id": "claim", "evidence_id": "evidence",
    "relation_id": "relation", "assignment_id": "assignment", "job_id": "job",
    "release_id": "release", "file_id": "file", "candidate_id": "proposal", "question_id": "question",
    "answer_id": "answer", "batch_id": "batch", "factcheck_id": "factcheck",
    "comment_id": "comment", "notification_id": "notification", "uidb64": "uidb64", "token": "token",
}


def _ui_urls(ids: dict) -> list[str]:
    """Every named route of the UI, its parameters filled with real ids."""
    resolver = get_resolver().namespace_dict["ui"][1]
    urls = []
    for name in resolver.reverse_dict:
        if not isinstance(name, str):
            continue
        (_bits, params), *_ = resolver.reverse_dict.getlist(name)[0][0]
        missing = [p for p in params if p not in UI_PARAMS]
        assert not missing, f"ui:{name}: add {missing} to UI_PARAMS"
        urls.append(reverse(f"ui:{name}", kwargs={p: ids[UI_PARAMS[p]] for p in params}))
    return urls


def test_it_refuses_a_nul_in_query_parameters_of_every_page(root, ids) -> None:
    """Every UI route (GET and POST), the admin's pages, the API's documentation and the health check."""
    client = Client()
    client.force_login(root)
    urls = _ui_urls(ids) + [
        reverse("admin:index"), reverse("admin:annotations_claim_changelist"),
        reverse("admin:annotations_claim_change", args=[ids["claim"]]),
        reverse("admin:annotations_claim_history", args=[ids["claim"]]),
        reverse("api:docs"), reverse("api:schema"), "/health/",
    ]
    assert len(urls) > 40
    failures = []
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(f"{url}?q=%00&filter=all")
            if response.status_code != 400 or NUL_MESSAGE not in response.content.decode():
                failures.append((method, url, response.status_code))
    print(*failures, sep="\n")
    assert failures == []
    assert Client().get(reverse("ui:login") + "?next=%00").status_code == 400


def test_it_lets_query_parameters_without_nul_through(root_api, ids) -> None:
    """The refusal is for NUL alone: an encoded space, accents and %01 reach the view."""
    response = root_api.get("/api/v1/claims/?q=Lavrov%20inchang%C3%A9e%01")
    assert response.status_code == 200, response.content


# --- JSON bodies ----------------------------------------------------------------------------------

# What every JSON route refuses, whatever the route expects: (label, raw body).
DEPTH_BOMB = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
UNSTORABLE = [
    ("lone surrogate", b'{"title": "\\ud800", "body": "x"}'),
    ("low surrogate alone", b'{"note": "a\\udfffb"}'),
    ("surrogate in a key", b'{"\\udc00": 1}'),
    ("surrogate in a nested value", b'{"metadata": {"a": ["ok", "\\ud83d"]}}'),
    ("NUL in a nested key", b'{"metadata": {"a\\u0000": 1}}'),
    ("nested thousands deep", DEPTH_BOMB),
    ("nested past the limit", b'{"metadata": ' + b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1) + b"}"),
    ("an array nested past the limit", b"[" * (MAX_DEPTH + 2) + b"]" * (MAX_DEPTH + 2)),
]


def test_it_refuses_unstorable_or_too_deep_json_on_every_json_route(root_api, anon, ids) -> None:
    """Every POST/PATCH taking JSON answers 400 and changes nothing."""
    before = _counts()
    json_ops = [op for op in operations() if op.takes_json and op.method in ("POST", "PATCH", "PUT")]
    assert len(json_ops) >= 15
    failures = []
    for op in json_ops:
        client = anon if op.path == "/api/v1/auth/token/" else root_api
        for label, raw in UNSTORABLE:
            response = client.generic(op.method, fill(op, ids), raw, content_type="application/json")
            if response.status_code != 400:
                failures.append((str(op), label, response.status_code, response.content[:200]))
    print(*failures, sep="\n")
    assert failures == []
    assert _counts() == before


def test_it_names_the_field_and_the_place_of_what_it_refuses(root_api, anon) -> None:
    response = root_api.post(
        "/api/v1/articles/", b'{"project": "test", "body": "x", "metadata": {"a": [1, "\\ud800"]}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["metadata"]
    assert "$.metadata.a[1]" in response.json()["metadata"][0] and "surrogate" in response.json()["metadata"][0]
    deep = anon.post("/api/v1/auth/token/", DEPTH_BOMB, content_type="application/json")
    assert deep.status_code == 400 and "nested deeper" in deep.json()["detail"]


def test_it_accepts_what_it_can_store(root_api, project) -> None:
    """Real pairs (an emoji is one in JSON's UTF-16 escapes) and nesting up to the limit pass."""
    nested: object = "fond"
    for _ in range(MAX_DEPTH - 2):
        nested = {"n": nested}
    body = {"project": "test", "title": "Emoji 🙂", "body": "Un texte 🙂 unique.", "metadata": {"deep": nested}}
    raw = json.dumps(body, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude42" in raw
    response = root_api.post("/api/v1/articles/", raw, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Article.objects.get(pk=response.json()["id"]).title == "Emoji 🙂"


def test_json_problem_walks_without_recursion() -> None:
    value: object = "x"
    for _ in range(50_000):
        value = [value]
    assert "nested deeper than 32" in (json_problem(value) or "")
    assert json_problem({"a": ["b", {"c": "\x00"}]}) == "the string at $.a[1].c contains a NUL character (\\u0000)"
    assert json_problem({"ok": [1, 2.5, None, True, "🙂"]}) is None


# --- cursors --------------------------------------------------------------------------------------


def _b64(text: str | bytes) -> str:
    raw = text.encode("latin-1") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


# Cursors no ordering can use: (label, cursor value as sent).
ALWAYS_INVALID = [
    ("not base64", "!!!"),
    ("not ascii inside", _b64(b"p=\xc3\xa9")),
    ("NUL position", _b64("p=\x00")),
    ("NUL inside a position", _b64("p=ab\x00c")),
    ("offset not a number", _b64("o=abc")),
    ("reverse not a number", _b64("r=x")),
]
# Positions no number or date field can hold.
WRONG_TYPE = [("a word", _b64("p=abc")), ("an impossible date", _b64("p=2025-13-45 99:00:00"))]
# Positions no integer field (ids, offsets) can hold.
OUT_OF_RANGE = [("a number past 64 bits", _b64("p=" + "9" * 40))]


def test_it_answers_invalid_cursor_to_forged_cursors_on_every_list(root_api, ids) -> None:
    """Every cursor-paginated list, under each ordering it offers, both directions."""
    lists = [op for op in operations() if op.method == "GET" and "cursor" in op.query]
    assert len(lists) >= 10
    failures = []
    for op in lists:
        url = fill(op, ids)
        view = resolve(url).func.cls
        model = view.queryset.model
        for name in getattr(view, "ordering_fields", None) or ("id",):
            field = model._meta.get_field(name)
            text = isinstance(field, (CharField, TextField))
            for ordering in (name, f"-{name}"):
                cases = ALWAYS_INVALID + ([] if text else WRONG_TYPE)
                if isinstance(field, IntegerField):
                    cases += OUT_OF_RANGE
                for label, cursor in cases:
                    response = root_api.get(url, {"ordering": ordering, "cursor": cursor})
                    if response.status_code != 404 or response.json() != {"detail": "Invalid cursor"}:
                        failures.append((str(op), ordering, label, response.status_code, response.content[:120]))
                if text:  # any string is a position there: a page (empty or not), never an error
                    response = root_api.get(url, {"ordering": ordering, "cursor": _b64("p=abc")})
                    if response.status_code != 200:
                        failures.append((str(op), ordering, "text", response.status_code, response.content[:120]))
    print(*failures, sep="\n")
    assert failures == []


def test_a_genuine_cursor_still_pages(root_api, work) -> None:
    first = root_api.get("/api/v1/annotations/", {"page_size": 1, "ordering": "-created_at"})
    assert first.status_code == 200 and first.json()["next"]
    second = root_api.get(first.json()["next"])
    assert second.status_code == 200, second.content
    seen = {r["id"] for r in first.json()["results"] + second.json()["results"]}
    assert seen == {work["a_alice"].pk, work["a_bob"].pk}


# --- database connections -------------------------------------------------------------------------


def test_it_checks_the_health_of_kept_connections(monkeypatch) -> None:
    from workbench.settings import _databases

    monkeypatch.setenv("DATABASE_URL", "postgres://wb@db.example:5432/wb")
    assert _databases()["default"]["CONN_HEALTH_CHECKS"] is True
    assert _databases()["default"]["CONN_MAX_AGE"] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_replaces_a_connection_the_server_dropped() -> None:
    """What a PostgreSQL restart does to a kept connection: the next request gets a new one."""
    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("a server that drops connections is PostgreSQL's case (CI runs the suite there)")
    import psycopg

    # Kept connections only (CONN_MAX_AGE 0 closes each at the request's end anyway).
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"],
        port=db["PORT"] or None, autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    close_old_connections()  # what Django does when a request starts
    assert get_user_model().objects.count() >= 0
    assert connection.connection.info.backend_pid != pid
