"""Schemathesis over the OpenAPI schema against a live server: no input gets a 5xx.

Every operation gets generated requests (schema-valid bodies, query strings and ids, and about
half the time ids of objects that exist), sent over HTTP with the token of a manager, a
reviewer or an annotator. Bounded: a fixed number of examples per operation and a time budget.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from celery.app.task import Task
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.services.tokens import token_issue

# serialized_rollback: the flush after the test would drop the default scheme the migrations made.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EXAMPLES_PER_OPERATION = 12
BUDGET_SECONDS = 50


@pytest.fixture
def tokens(users) -> list[str]:
    return [token_issue(user=users[name]).key for name in ("max", "rita", "alice")]


@pytest.fixture
def real_fields(work, project, article, claim, claim2, candidate) -> dict[str, list[object]]:
    """Values that name existing things, for body fields of these names."""
    claims = [claim.pk, claim2.pk, candidate.pk]
    return {
        "project": [project.slug], "article": [article.pk], "claim": claims, "source": claims,
        "target": claims, "linked_claim": claims, "verdict": work["codes"],
        "username": ["charlie", "bob"], "article_ids": [[article.pk]],
        "gold_evidence": [[work["e_alice"].pk], [work["e_bob"].pk]],
    }


@pytest.fixture
def real_ids(work, project, article, claim, claim2, candidate) -> dict[str, list[object]]:
    """Ids that exist, by the first segment of the operation's path after /api/v1/."""
    return {
        "projects": [project.slug],
        "members": list(project.memberships.values_list("pk", flat=True)),
        "articles": [article.pk],
        "claims": [claim.pk, claim2.pk, candidate.pk],
        "claim-relations": [work["relation"].pk],
        "annotations": [work["a_alice"].pk, work["a_bob"].pk],
        "evidence": [work["e_alice"].pk, work["e_bob"].pk],
        "adjudications": [work["adjudication"].pk],
        "jobs": [work["job"].pk],
    }


def _order(operation) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Deletions last, so the objects the other operations use are still there."""
    return (operation.method.upper() == "DELETE", operation.label)


def test_no_server_errors(live_server, tokens, real_ids, real_fields, monkeypatch) -> None:
    # Jobs are queued on commit: keep them off the broker (no worker runs here).
    monkeypatch.setattr(Task, "apply_async", lambda *args, **kwargs: None)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    started = time.monotonic()
    failures: list[str] = []
    tried = 0
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    for operation in operations:
        if operation.label == "DELETE /api/v1/auth/token/":
            continue  # revoking the tokens would turn every later request into a 401
        resource = operation.path.removeprefix("/api/v1/").split("/")[0]
        known = real_ids.get(resource, [])

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy(), token=st.sampled_from(tokens),
               pick=st.sampled_from(known) if known else st.none(), use_real=st.booleans(),
               data=st.data())
        def run(case, token, pick, use_real, data) -> None:  # type: ignore[no-untyped-def]
            nonlocal tried
            if use_real and pick is not None and case.path_parameters:
                for key in case.path_parameters:
                    case.path_parameters[key] = pick
            if use_real and isinstance(case.body, dict):
                for key in case.body:
                    if key in real_fields:
                        case.body[key] = data.draw(st.sampled_from(real_fields[key]))
            response = case.call(base_url=live_server.url, headers={"Authorization": f"Token {token}"})
            tried += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]} (body {case.body!r:.200})")

        if time.monotonic() - started > BUDGET_SECONDS:
            break
        run()
    assert not failures, "\n".join(failures[:20])
    assert tried >= 40 * 5, f"only {tried} requests were made within the budget"
