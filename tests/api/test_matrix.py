"""The permission matrix: every endpoint × {the right role, another member role, an outsider,
anonymous}, driven from one table.

Each row names the user with the right role and a member whose role does not allow the action,
and the statuses expected. Outsiders (charlie) get 404 wherever a project is involved, since
they may not learn that it exists; anonymous clients get 401 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import BatchKind, Claim, ClaimBatch, ClaimOrigin, ClaimStatus, Job, JobKind, JobStatus

pytestmark = pytest.mark.django_db

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One endpoint and who may call it."""

    label: str
    method: str
    path: Callable[[Ctx], str]
    right: tuple[str, int]  # (persona, status)
    other: tuple[str, int] | None  # a member whose role is not enough (None: every role may)
    outsider: int = 404
    anonymous: int = 401
    body: Callable[[Ctx], dict] | None = None
    multipart: bool = False
    check: Callable[[str, Any, Ctx], None] | None = field(default=None, compare=False)


def empty_for(*names: str) -> Callable[[str, Any, Ctx], None]:
    """Lists a role does not cover are empty rather than refused (jobs, outsiders' projects)."""

    def check(persona: str, response: Any, ctx: Ctx) -> None:
        results = response.json()["results"]
        assert (results == []) == (persona in names), (persona, results)

    return check


def _archive_upload() -> dict:
    """The test project's archive, to import under another slug (projects/test/archive/)."""
    import io

    from annotations.models import Project
    from annotations.services.archive import project_archive_export

    buffer = io.BytesIO()
    project_archive_export(project=Project.objects.get(slug="test"), target=buffer)
    return {"file": SimpleUploadedFile("test.wbproject.zip", buffer.getvalue()), "slug": "test-copy"}


P = "/api/v1"
ROWS = [
    # the root: routes only, so anyone may read it
    Row("api root", "GET", lambda c: f"{P}/", ("alice", 200), None, outsider=200, anonymous=200),
    # projects
    Row("projects list", "GET", lambda c: f"{P}/projects/", ("alice", 200), ("rhea", 200),
        outsider=200, check=empty_for("charlie")),
    Row("project read", "GET", lambda c: f"{P}/projects/test/", ("alice", 200), ("rhea", 200)),
    Row("project create", "POST", lambda c: f"{P}/projects/", ("max", 201), ("alice", 403),
        outsider=403, body=lambda c: {"name": "New", "slug": "new-project"}),
    Row("project settings", "PATCH", lambda c: f"{P}/projects/test/", ("max", 200), ("rita", 403),
        body=lambda c: {"overlap": 3}),
    Row("project agreement", "GET", lambda c: f"{P}/projects/test/agreement/", ("rita", 200), ("alice", 403)),
    Row("project suggestion model", "GET", lambda c: f"{P}/projects/test/suggestions/", ("max", 200), ("rita", 403)),
    Row("project archive", "GET", lambda c: f"{P}/projects/test/archive/", ("max", 200), ("rita", 403)),
    Row("project archive import", "POST", lambda c: f"{P}/project-archives/", ("max", 202), ("alice", 403),
        outsider=403, multipart=True, body=lambda c: _archive_upload()),
    # members
    Row("members list", "GET", lambda c: f"{P}/members/?project=test", ("alice", 200), ("rhea", 200)),
    Row("member read", "GET", lambda c: f"{P}/members/{c['m_bob']}/", ("alice", 200), ("rhea", 200)),
    Row("member add", "POST", lambda c: f"{P}/members/", ("max", 201), ("rita", 403),
        body=lambda c: {"project": "test", "username": "charlie", "role": "annotator"}),
    Row("member remove", "DELETE", lambda c: f"{P}/members/{c['m_bob']}/", ("max", 204), ("rita", 403)),
    # articles
    Row("articles list", "GET", lambda c: f"{P}/articles/?project=test", ("alice", 200), ("rhea", 200)),
    Row("article read", "GET", lambda c: f"{P}/articles/{c['article']}/", ("rhea", 200), ("alice", 200)),
    Row("article create", "POST", lambda c: f"{P}/articles/", ("max", 201), ("rita", 403),
        body=lambda c: {"project": "test", "title": "New", "body": "Un nouveau texte."}),
    Row("article edit", "PATCH", lambda c: f"{P}/articles/{c['article']}/", ("max", 200), ("rita", 403),
        body=lambda c: {"title": "Renamed"}),
    Row("article import", "POST", lambda c: f"{P}/articles/import/", ("max", 202), ("rita", 403),
        multipart=True,
        body=lambda c: {"project": "test", "file": SimpleUploadedFile(
            "a.jsonl", b'{"title": "T", "body": "Un texte importe."}\n')}),
    # claims
    Row("claims list", "GET", lambda c: f"{P}/claims/?project=test", ("alice", 200), ("rhea", 200)),
    Row("claim read", "GET", lambda c: f"{P}/claims/{c['claim']}/", ("rhea", 200), ("alice", 200)),
    Row("candidate read", "GET", lambda c: f"{P}/claims/{c['candidate']}/", ("alice", 200), ("rhea", 404)),
    Row("claim mark", "POST", lambda c: f"{P}/claims/", ("alice", 201), ("rhea", 403),
        body=lambda c: {"article": c["article"], "start": 0, "end": 2}),
    Row("claim edit", "PATCH", lambda c: f"{P}/claims/{c['claim']}/", ("alice", 200), ("rhea", 403),
        body=lambda c: {"statement": "Russia did not move.", "version": 1}),
    Row("claim span edit", "PATCH", lambda c: f"{P}/claims/{c['claim']}/", ("rita", 200), ("alice", 403),
        body=lambda c: {"start": 0, "end": 2, "version": 1}),
    Row("claim decide", "POST", lambda c: f"{P}/claims/{c['candidate']}/decide/", ("alice", 200),
        ("rhea", 404), body=lambda c: {"status": "accepted", "version": 1}),
    # relations
    # Researchers read the links between adjudicated claims only: this one's source is not.
    Row("relations list", "GET", lambda c: f"{P}/claim-relations/?project=test", ("alice", 200), ("rhea", 200),
        check=empty_for("rhea")),
    Row("relation read", "GET", lambda c: f"{P}/claim-relations/{c['relation']}/", ("alice", 200), ("rhea", 404)),
    Row("relation create", "POST", lambda c: f"{P}/claim-relations/", ("alice", 201), ("rhea", 403),
        body=lambda c: {"source": c["claim"], "target": c["candidate"], "kind": "supports"}),
    Row("relation delete", "DELETE", lambda c: f"{P}/claim-relations/{c['relation']}/", ("alice", 204),
        ("rhea", 403)),
    # the claim graph: questions and answers for those who find claims, proposals for reviewers
    Row("questions list", "GET", lambda c: f"{P}/questions/?project=test", ("alice", 200), ("rhea", 403)),
    Row("question read", "GET", lambda c: f"{P}/questions/{c['question']}/", ("alice", 200), ("rhea", 403)),
    Row("question create", "POST", lambda c: f"{P}/questions/", ("alice", 201), ("rhea", 403),
        body=lambda c: {"project": "test", "text": "Le sommet a-t-il eu lieu le 15 août ?", "claim": c["claim"],
                        "answer": "yes"}),
    Row("question reword", "PATCH", lambda c: f"{P}/questions/{c['question']}/", ("alice", 200), ("bob", 403),
        body=lambda c: {"text": "La Russie a-t-elle fait la moindre concession ?", "version": 1}),
    Row("question delete", "DELETE", lambda c: f"{P}/questions/{c['question']}/", ("rita", 204), ("alice", 403)),
    Row("question answer candidates", "GET", lambda c: f"{P}/questions/{c['question']}/candidates/",
        ("alice", 200), ("rhea", 403)),
    Row("answers list", "GET", lambda c: f"{P}/question-answers/?project=test", ("bob", 200), ("rhea", 403)),
    Row("answer read", "GET", lambda c: f"{P}/question-answers/{c['answer']}/", ("bob", 200), ("rhea", 403)),
    Row("answer record", "POST", lambda c: f"{P}/question-answers/", ("bob", 201), ("rhea", 403),
        body=lambda c: {"question": c["question"], "claim": c["claim2"], "answer": "yes"}),
    Row("answer remove", "DELETE", lambda c: f"{P}/question-answers/{c['answer']}/", ("bob", 204), ("rhea", 403)),
    Row("proposals list", "GET", lambda c: f"{P}/relation-candidates/?project=test", ("rita", 200), ("alice", 403)),
    Row("proposal read", "GET", lambda c: f"{P}/relation-candidates/{c['proposal']}/", ("rita", 200), ("alice", 403)),
    Row("proposal decide", "PATCH", lambda c: f"{P}/relation-candidates/{c['proposal']}/", ("rita", 200),
        ("alice", 403), body=lambda c: {"status": "accepted", "version": 1}),
    Row("claim related", "GET", lambda c: f"{P}/claims/{c['claim']}/related/", ("alice", 200), ("rhea", 403)),
    # reference fact checks (imported feeds): any member reads them and a visible claim's matches
    Row("factchecks list", "GET", lambda c: f"{P}/factchecks/?project=test", ("rhea", 200), None),
    Row("factcheck read", "GET", lambda c: f"{P}/factchecks/{c['factcheck']}/", ("alice", 200), None),
    Row("claim factchecks", "GET", lambda c: f"{P}/claims/{c['claim']}/factchecks/", ("alice", 200), None),
    # undoable changes to claims: many suggestions at once, deleting one's own claim, undo
    Row("claim batches list", "GET", lambda c: f"{P}/claim-batches/?project=test", ("alice", 200), ("rhea", 403)),
    Row("claim batch read", "GET", lambda c: f"{P}/claim-batches/{c['batch']}/", ("alice", 200), ("rhea", 403)),
    Row("claim batch decide", "POST", lambda c: f"{P}/claim-batches/", ("alice", 201), ("rhea", 403),
        body=lambda c: {"article": c["article"], "status": "accepted", "claim_ids": [c["candidate"]]}),
    Row("claim batch undo", "POST", lambda c: f"{P}/claim-batches/{c['batch']}/undo/", ("alice", 200),
        ("bob", 403)),
    Row("claim delete", "DELETE", lambda c: f"{P}/claims/{c['own_claim']}/", ("alice", 200), ("bob", 403)),
    # comments: threads of claims and questions (those who find claims), and one's own notifications
    Row("comments of a claim", "GET", lambda c: f"{P}/comments/?claim={c['claim']}", ("alice", 200), ("rhea", 403)),
    Row("comment read", "GET", lambda c: f"{P}/comments/{c['comment']}/", ("rita", 200), ("rhea", 403)),
    Row("comment post", "POST", lambda c: f"{P}/comments/", ("bob", 201), ("rhea", 403),
        body=lambda c: {"claim": c["claim"], "body": "@rita which source counts?"}),
    Row("comment delete", "DELETE", lambda c: f"{P}/comments/{c['comment']}/", ("alice", 204), ("rhea", 403)),
    Row("notifications list", "GET", lambda c: f"{P}/notifications/", ("rita", 200), ("max", 200),
        outsider=200, check=empty_for("max", "charlie")),
    Row("notification read", "GET", lambda c: f"{P}/notifications/{c['notification']}/", ("rita", 200),
        ("max", 404)),
    Row("notification mark read", "POST", lambda c: f"{P}/notifications/{c['notification']}/read/",
        ("rita", 200), ("max", 404)),
    Row("notifications mark all read", "POST", lambda c: f"{P}/notifications/read-all/", ("rita", 200), None,
        outsider=200),
    # annotations
    Row("annotations list", "GET", lambda c: f"{P}/annotations/?project=test", ("rita", 200), ("rhea", 403)),
    Row("annotation read", "GET", lambda c: f"{P}/annotations/{c['a_alice']}/", ("alice", 200), ("rhea", 403)),
    Row("annotation create", "POST", lambda c: f"{P}/annotations/", ("alice", 201), ("rita", 403),
        body=lambda c: {"claim": c["claim2"], "verdict": c["codes"][0]}),
    Row("annotation edit", "PATCH", lambda c: f"{P}/annotations/{c['a_alice']}/", ("alice", 200),
        ("rita", 403), body=lambda c: {"verdict": c["codes"][2], "version": 1}),
    # evidence
    Row("evidence list", "GET", lambda c: f"{P}/evidence/?project=test", ("rita", 200), ("rhea", 403)),
    Row("evidence read", "GET", lambda c: f"{P}/evidence/{c['e_alice']}/", ("alice", 200), ("rhea", 403)),
    Row("evidence add", "POST", lambda c: f"{P}/evidence/", ("alice", 201), ("rhea", 403),
        body=lambda c: {"claim": c["claim"], "stance": "context", "url": "https://example.org/c"}),
    Row("evidence delete", "DELETE", lambda c: f"{P}/evidence/{c['e_alice']}/", ("alice", 204), ("rhea", 403)),
    # adjudications
    Row("adjudications list", "GET", lambda c: f"{P}/adjudications/?project=test", ("rita", 200), ("alice", 403)),
    Row("adjudication read", "GET", lambda c: f"{P}/adjudications/{c['adjudication']}/", ("rita", 200),
        ("alice", 403)),
    Row("adjudication create", "POST", lambda c: f"{P}/adjudications/", ("rita", 201), ("alice", 403),
        body=lambda c: {"claim": c["claim"], "verdict": c["codes"][1], "gold_evidence": [c["e_bob"]]}),
    Row("adjudication edit", "PATCH", lambda c: f"{P}/adjudications/{c['adjudication']}/", ("max", 200),
        ("alice", 403), body=lambda c: {"verdict": c["codes"][1], "version": 1}),
    # jobs
    Row("jobs list", "GET", lambda c: f"{P}/jobs/?project=test", ("max", 200), ("alice", 200),
        check=empty_for("alice")),
    Row("job read", "GET", lambda c: f"{P}/jobs/{c['job']}/", ("max", 200), ("alice", 403)),
    Row("suggest job", "POST", lambda c: f"{P}/jobs/suggest/", ("max", 202), ("rita", 403),
        body=lambda c: {"project": "test"}),
    Row("retrain job", "POST", lambda c: f"{P}/jobs/retrain/", ("max", 202), ("rita", 403),
        body=lambda c: {"project": "test"}),
    Row("relation job", "POST", lambda c: f"{P}/jobs/relations/", ("max", 202), ("rita", 403),
        body=lambda c: {"project": "test"}),
    Row("agreement job", "POST", lambda c: f"{P}/jobs/agreement/", ("rita", 202), ("alice", 403),
        body=lambda c: {"project": "test"}),
    Row("job cancel", "POST", lambda c: f"{P}/jobs/{c['job']}/cancel/", ("max", 200), ("rita", 403)),
    Row("job retry", "POST", lambda c: f"{P}/jobs/{c['failed_job']}/retry/", ("max", 200), ("alice", 403)),
    # releases
    Row("releases list", "GET", lambda c: f"{P}/releases/?project=test", ("rhea", 200), ("alice", 403)),
    Row("release read", "GET", lambda c: f"{P}/releases/{c['release']}/", ("rhea", 200), ("alice", 403)),
    Row("release build", "POST", lambda c: f"{P}/releases/", ("max", 202), ("rhea", 403),
        body=lambda c: {"project": "test", "version": "v2", "formats": ["jsonl"]}),
    Row("release delete", "DELETE", lambda c: f"{P}/releases/{c['release']}/", ("max", 204), ("rhea", 403)),
    Row("release file download", "GET", lambda c: f"{P}/release-files/{c['file']}/download/", ("rhea", 200),
        ("alice", 403)),
    # tokens: anyone may exchange a password for a token; revoking is the caller's own
    Row("token obtain", "POST", lambda c: f"{P}/auth/token/", ("alice", 200), None, outsider=200,
        anonymous=200, body=lambda c: {"username": "alice", "password": "pw-alice"}),
    Row("token revoke", "DELETE", lambda c: f"{P}/auth/token/", ("alice", 204), None, outsider=204),
]

PERSONAS = ("right", "other", "outsider", "anonymous")


@pytest.fixture
def ctx(work, graph, project, article, claim, claim2, candidate, release) -> Ctx:
    memberships = {m.user.username: m.pk for m in project.memberships.select_related("user")}
    return {
        "article": article.pk, "claim": claim.pk, "claim2": claim2.pk, "candidate": candidate.pk,
        "a_alice": work["a_alice"].pk, "e_alice": work["e_alice"].pk, "e_bob": work["e_bob"].pk,
        "relation": work["relation"].pk, "adjudication": work["adjudication"].pk,
        "job": work["job"].pk, "codes": work["codes"], "m_bob": memberships["bob"],
        "failed_job": Job.objects.create(
            project=project, kind=JobKind.SUGGEST, status=JobStatus.FAILED, created_by=work["job"].created_by,
            error="The job queue could not be reached (OperationalError); nothing was started.",
        ).pk,
        "release": release.pk, "file": release.files.get().pk,
        "question": graph["question"].pk, "answer": graph["answer"].pk, "proposal": graph["proposal"].pk,
        "factcheck": graph["factcheck"].pk,
        "batch": ClaimBatch.objects.create(article=article, kind=BatchKind.DECIDE, status="accepted",
                                           created_by=claim.created_by).pk,
        "own_claim": Claim.objects.create(
            article=article, start=3, end=11, quote=article.body[3:11], origin=ClaimOrigin.MANUAL,
            status=ClaimStatus.ACCEPTED, created_by=claim.created_by).pk,
        **_comment_ids(claim),
    }


def _comment_ids(claim: Claim) -> Ctx:
    """Alice's comment on the claim mentioning rita, and rita's notification of it."""
    from annotations.models import Notification
    from annotations.services.collab import comment_create

    comment = comment_create(by=claim.created_by, claim=claim, body="@rita is Lavrov quoted right?")
    return {"comment": comment.pk, "notification": Notification.objects.get(comment=comment).pk}


def _cases() -> list:
    cases = []
    for row in ROWS:
        for persona in PERSONAS:
            if persona == "other" and row.other is None:
                continue
            cases.append(pytest.param(row, persona, id=f"{row.label} · {persona}"))
    return cases


@pytest.mark.parametrize(("row", "persona"), _cases())
def test_matrix(row: Row, persona: str, ctx: Ctx, client_for, anon) -> None:
    if persona == "right":
        name, expected = row.right
    elif persona == "other":
        name, expected = row.other  # type: ignore[misc]
    elif persona == "outsider":
        name, expected = "charlie", row.outsider
    else:
        name, expected = "", row.anonymous
    client = client_for(name) if name else anon
    body = row.body(ctx) if row.body else None
    response = client.generic(row.method, row.path(ctx)) if body is None else getattr(
        client, row.method.lower()
    )(row.path(ctx), body, format="multipart" if row.multipart else "json")
    assert response.status_code == expected, (name, response.content[:300])
    if row.check is not None and response.status_code == 200:
        row.check(name, response, ctx)


def test_every_route_is_in_the_matrix() -> None:
    """A new endpoint cannot be added without its row: compare the schema's operations."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "delete")
    }
    covered = set()
    for row in ROWS:
        example = row.path({key: 1 for key in (
            "article", "claim", "claim2", "candidate", "a_alice", "e_alice", "e_bob", "relation",
            "adjudication", "job", "failed_job", "m_bob", "release", "file", "question", "answer", "proposal",
            "batch", "own_claim", "factcheck", "comment", "notification",
        )} | {"codes": ["x", "y", "z"]})
        covered.add((row.method, _template(example.split("?")[0])))
    missing = {op for op in operations if (op[0], _template(op[1])) not in covered}
    assert not missing, f"endpoints without a matrix row: {sorted(missing)}"
    assert reverse("api:schema")


def _template(path: str) -> str:
    """Replace ids and slugs in a path by placeholders, for comparing routes with the schema."""
    parts = []
    for part in path.strip("/").split("/"):
        if part.isdigit() or (part.startswith("{") and part.endswith("}")) or part == "test":
            parts.append("{}")
        else:
            parts.append(part)
    return "/" + "/".join(parts) + "/"
