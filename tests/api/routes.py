"""The API's operations as its OpenAPI schema lists them, and their paths filled with real ids.

Tests that must cover every route (malformed input, existence oracles) take their list from
here, so a new route is covered, or fails to be placed, without anyone adding a row.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The resource a path names (its first segment after /api/v1/) → the key of its id in a test's
# ids. A resource missing here fails `fill`, naming it: add it, and a fixture object of it.
RESOURCES = {
    "projects": "project",
    "members": "membership",
    "articles": "article",
    "claims": "claim",
    "claim-relations": "relation",
    "claim-batches": "batch",
    "questions": "question",
    "question-answers": "answer",
    "factchecks": "factcheck",
    "relation-candidates": "proposal",
    "annotations": "annotation",
    "evidence": "evidence",
    "adjudications": "adjudication",
    "jobs": "job",
    "releases": "release",
    "release-files": "file",
    "comments": "comment",
    "notifications": "notification",
}
MISSING_ID = 987_654_321
MISSING_SLUG = "no-such-project"
MISSING = {key: MISSING_ID for key in RESOURCES.values()} | {"project": MISSING_SLUG}

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    """One method on one path of the schema."""

    method: str  # upper case
    path: str  # the template, e.g. /api/v1/claims/{id}/decide/
    query: tuple[str, ...]  # documented query parameters
    media: tuple[str, ...]  # request body media types
    body: Mapping[str, Any]  # the JSON body schema's properties (empty without one)

    @property
    def resource(self) -> str:
        return self.path.removeprefix("/api/v1/").split("/")[0]

    @property
    def takes_id(self) -> bool:
        return bool(_PARAM.search(self.path))

    @property
    def takes_json(self) -> bool:
        return "application/json" in self.media

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def schema() -> dict:
    """The OpenAPI schema, generated once per test session."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations() -> list[Operation]:
    """Every operation of the schema."""
    components = schema()["components"]["schemas"]
    out = []
    for path, item in schema()["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = op.get("requestBody", {}).get("content", {})
            body: Mapping[str, Any] = {}
            if "application/json" in content:
                ref = content["application/json"]["schema"].get("$ref", "").split("/")[-1]
                body = components.get(ref, {}).get("properties", {})
            out.append(Operation(
                method=method.upper(), path=path,
                query=tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "query"),
                media=tuple(content), body=body,
            ))
    return out


def fill(op: Operation, ids: Mapping[str, object]) -> str:
    """The operation's path with its {id} or {slug} replaced from `ids` (keys of RESOURCES)."""
    if not op.takes_id:
        return op.path
    if op.resource not in RESOURCES:
        raise AssertionError(f"{op}: add its resource {op.resource!r} to tests/api/routes.py")
    return _PARAM.sub(lambda m: str(ids[RESOURCES[op.resource]]), op.path)


def normalised(response: Any, *, slugs: tuple[str, ...] = ()) -> tuple[int, str]:
    """Status and body with every number and the given slugs blanked: two answers that differ
    only in the id or slug they were asked about compare equal."""
    text = response.content.decode(errors="replace")
    for slug in (*slugs, MISSING_SLUG):
        text = text.replace(slug, "<slug>")
    return response.status_code, re.sub(r"\d+", "<n>", text)
