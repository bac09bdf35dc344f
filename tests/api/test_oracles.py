"""No existence oracles: what a user may not see answers exactly as what does not exist.

- Every route of the schema that takes an id or slug, asked about an object of a project the
  caller is not in, answers as for an id that never existed (status and body), for an outsider
  and for a member of another project in each role.
- Every id or slug named in a request body, the same.
- In a blind project an annotator cannot tell other annotators' annotations and evidence from
  missing ones; a researcher cannot tell suggestions from missing claims.
- Roles are checked before looking up anything a body names (adjudications' gold evidence,
  members' usernames).
- The cluster page and the API agree: a researcher sees no links between claims.
"""

from __future__ import annotations

import re
from urllib.parse import quote
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    BatchKind,
    ClaimBatch,
    Article,
    CheckQuestion,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Membership,
    Project,
    RelationKind,
    Role,
    Stance,
    VerdictScheme,
    body_hash,
)
from annotations.services.projects import default_scheme
from tests.api.routes import MISSING, MISSING_ID, MISSING_SLUG, fill, normalised, operations

_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def page_text(response: Any) -> str:
    """A web page's HTML with its CSRF tokens and numbers blanked: Django masks the token afresh
    in every response, and the page's own address (the language switch's `next`) holds the id
    asked about; two pages that say the same differ only there."""
    path = response.request["PATH_INFO"]
    text = _CSRF.sub(r"\1<csrf>", response.content.decode())
    return text.replace(quote(path, safe=""), "<path>").replace(path, "<path>")

pytestmark = pytest.mark.django_db

ROLES = [None, Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER, Role.RESEARCHER]
NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
def hidden(work, graph, project, article, claim, candidate, release) -> dict:
    """One object of each kind in the test project, of which charlie is not a member."""
    return {
        "project": project.slug, "membership": Membership.objects.filter(project=project).first().pk,
        "article": article.pk, "claim": claim.pk, "candidate": candidate.pk,
        "relation": work["relation"].pk, "annotation": work["a_alice"].pk,
        "evidence": work["e_alice"].pk, "adjudication": work["adjudication"].pk,
        "job": work["job"].pk, "release": release.pk, "file": release.files.get().pk,
        "question": graph["question"].pk, "answer": graph["answer"].pk, "proposal": graph["proposal"].pk,
        "factcheck": graph["factcheck"].pk,
        "batch": ClaimBatch.objects.create(article=article, kind=BatchKind.DECIDE, status="accepted",
                                           created_by=claim.created_by).pk,
        **_comment_ids(claim),
    }


def _comment_ids(claim: Claim) -> dict:
    """A comment on the claim mentioning rita, and rita's notification of it."""
    from annotations.models import Notification
    from annotations.services.collab import comment_create

    comment = comment_create(by=claim.created_by, claim=claim, body="@rita is Lavrov quoted right?")
    return {"comment": comment.pk, "notification": Notification.objects.get(comment=comment).pk}


@pytest.fixture
def mine(users) -> Callable[[str | None], dict]:
    """Make charlie a member of a project of his own in a role (None: no project at all), with
    two claims, evidence and an adjudication there; returns his own ids."""

    def make(role: str | None) -> dict:
        if role is None:
            return {}
        charlie = users["charlie"]
        project = Project.objects.create(name="Mine", slug="mine", scheme=default_scheme(), blind=False)
        Membership.objects.create(user=charlie, project=project, role=role)
        text = "Mon propre texte, avec deux phrases. Et une seconde phrase."
        article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
        claims = [
            Claim.objects.create(article=article, start=s, end=e, quote=text[s:e],
                                 origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
            for s, e in ((0, 16), (37, 59))
        ]
        evidence = Evidence.objects.create(claim=claims[0], added_by=charlie, url="https://example.org/m",
                                           stance=Stance.CONTEXT)
        verdict = project.scheme.verdicts.first()
        adjudication = Adjudication.objects.create(claim=claims[0], verdict=verdict, adjudicator=charlie,
                                                   method=AdjudicationMethod.ADJUDICATED)
        question = CheckQuestion.objects.create(project=project, text="Ma propre question ?", created_by=charlie)
        return {"project": project.slug, "article": article.pk, "claim": claims[0].pk,
                "claim2": claims[1].pk, "evidence": evidence.pk, "adjudication": adjudication.pk,
                "verdict": verdict.code, "question": question.pk}

    return make


def _send(client: Any, method: str, url: str, body: Any = None, *, multipart: bool = False) -> Any:
    if body is None:
        return client.generic(method, url)
    return getattr(client, method.lower())(url, body, format="multipart" if multipart else "json")


# --- ids in paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=lambda r: f"member as {r}" if r else "outsider")
def test_it_answers_for_an_id_of_another_project_as_for_a_missing_one(role, hidden, mine, client_for) -> None:
    """Every operation of the schema taking an id or slug: the same 404 and body."""
    mine(role)
    charlie = client_for("charlie")
    id_ops = [op for op in operations() if op.takes_id]
    assert len(id_ops) >= 20
    failures = []
    for op in id_ops:
        # A version, so that updates reach their lookup rather than stop at a missing field.
        body = {"version": 1} if op.method in ("POST", "PATCH", "PUT") else None
        there = _send(charlie, op.method, fill(op, hidden), body)
        nowhere = _send(charlie, op.method, fill(op, MISSING), body)
        if there.status_code != 404 or normalised(there, slugs=("test",)) != normalised(nowhere):
            failures.append((str(op), there.status_code, there.content[:150], nowhere.content[:150]))
    assert failures == [], "\n".join(map(str, failures))
    assert charlie.get(f"/api/v1/claims/{hidden['claim']}/").json() == NOT_FOUND


# --- ids in bodies --------------------------------------------------------------------------------

Body = Callable[[dict, object], dict]
# (method, path, field) → the body that names `ref` in that field, other references being the
# caller's own (`own`) so that the lookup of `ref` is reached when the caller's role allows it.
BODY_REFS: dict[tuple[str, str, str], tuple[str, Body]] = {
    ("POST", "/api/v1/annotations/", "claim"): (
        "claim", lambda own, ref: {"claim": ref, "verdict": own.get("verdict", "supported")}),
    ("POST", "/api/v1/evidence/", "claim"): (
        "claim", lambda own, ref: {"claim": ref, "stance": "context", "url": "https://example.org/x"}),
    ("POST", "/api/v1/evidence/", "linked_claim"): (
        "claim", lambda own, ref: {"claim": own.get("claim", MISSING_ID), "stance": "context",
                                   "linked_claim": ref}),
    ("POST", "/api/v1/evidence/", "linked_article"): (
        "article", lambda own, ref: {"claim": own.get("claim", MISSING_ID), "stance": "context",
                                     "linked_article": ref}),
    ("POST", "/api/v1/claim-relations/", "source"): (
        "claim", lambda own, ref: {"source": ref, "target": own.get("claim2", MISSING_ID), "kind": "supports"}),
    ("POST", "/api/v1/claim-relations/", "target"): (
        "claim", lambda own, ref: {"source": own.get("claim", MISSING_ID), "target": ref, "kind": "supports"}),
    ("POST", "/api/v1/adjudications/", "claim"): (
        "claim", lambda own, ref: {"claim": ref, "verdict": own.get("verdict", "supported")}),
    ("POST", "/api/v1/adjudications/", "gold_evidence"): (
        "evidence", lambda own, ref: {"claim": own.get("claim2", MISSING_ID),
                                      "verdict": own.get("verdict", "supported"), "gold_evidence": [ref]}),
    ("PATCH", "/api/v1/adjudications/{id}/", "gold_evidence"): (
        "evidence", lambda own, ref: {"gold_evidence": [ref], "version": 1}),
    ("POST", "/api/v1/claims/", "article"): (
        "article", lambda own, ref: {"article": ref, "start": 0, "end": 2}),
    ("POST", "/api/v1/members/", "project"): (
        "project", lambda own, ref: {"project": ref, "username": "alice", "role": "annotator"}),
    ("POST", "/api/v1/articles/", "project"): (
        "project", lambda own, ref: {"project": ref, "title": "T", "body": "Un texte jamais vu."}),
    ("POST", "/api/v1/jobs/suggest/", "project"): ("project", lambda own, ref: {"project": ref}),
    ("POST", "/api/v1/jobs/suggest/", "article_ids"): (
        "article", lambda own, ref: {"project": own.get("project", MISSING_SLUG), "article_ids": [ref]}),
    ("POST", "/api/v1/jobs/retrain/", "project"): ("project", lambda own, ref: {"project": ref}),
    ("POST", "/api/v1/jobs/agreement/", "project"): ("project", lambda own, ref: {"project": ref}),
    ("POST", "/api/v1/releases/", "project"): (
        "project", lambda own, ref: {"project": ref, "version": "v9", "formats": ["jsonl"]}),
    ("POST", "/api/v1/projects/", "scheme"): (
        "scheme", lambda own, ref: {"name": "Neuf", "slug": "neuf", "scheme": ref}),
    ("PATCH", "/api/v1/projects/{slug}/", "scheme"): ("scheme", lambda own, ref: {"scheme": ref}),
    ("POST", "/api/v1/questions/", "project"): ("project", lambda own, ref: {"project": ref, "text": "Q ?"}),
    ("POST", "/api/v1/questions/", "claim"): (
        "claim", lambda own, ref: {"project": own.get("project", MISSING_SLUG), "text": "Q ?", "claim": ref}),
    ("POST", "/api/v1/question-answers/", "question"): (
        "question", lambda own, ref: {"question": ref, "claim": own.get("claim", MISSING_ID), "answer": "yes"}),
    ("POST", "/api/v1/question-answers/", "claim"): (
        "claim", lambda own, ref: {"question": own.get("question", MISSING_ID), "claim": ref, "answer": "yes"}),
    ("POST", "/api/v1/claim-batches/", "article"): (
        "article", lambda own, ref: {"article": ref, "status": "accepted", "min_score": 0}),
    ("POST", "/api/v1/claim-batches/", "claim_ids"): (
        "claim", lambda own, ref: {"article": own.get("article", MISSING_ID), "status": "accepted",
                                   "claim_ids": [ref]}),
    ("POST", "/api/v1/jobs/relations/", "project"): ("project", lambda own, ref: {"project": ref}),
    ("POST", "/api/v1/comments/", "claim"): ("claim", lambda own, ref: {"claim": ref, "body": "Source ?"}),
    ("POST", "/api/v1/comments/", "question"): (
        "question", lambda own, ref: {"question": ref, "body": "Source ?"}),
    ("POST", "/api/v1/jobs/relations/", "article_ids"): (
        "article", lambda own, ref: {"project": own.get("project", MISSING_SLUG), "article_ids": [ref]}),
}
# Body fields that name nothing: numbers, offsets and versions, and the username (its own test).
NOT_REFERENCES = {
    "start", "end", "version", "confidence", "time_spent_seconds", "overlap", "username",
    "per_10k", "suggest_per_10k",  # budgets: counts, not ids
    "paragraph",  # a paragraph's number in an article's text
}
# The one multipart body: the import's project.
MULTIPART_REFS = {("POST", "/api/v1/articles/import/", "project")}


def _reference_fields() -> set[tuple[str, str, str]]:
    """Body fields of the schema that name an object: ids, lists of ids, project and scheme slugs."""
    found = set()
    for op in operations():
        for name, spec in op.body.items():
            ids = spec.get("type") == "integer" or spec.get("items", {}).get("type") == "integer"
            if (ids or name in ("project", "scheme")) and name not in NOT_REFERENCES:
                found.add((op.method, op.path, name))
    return found


def test_every_reference_in_a_body_is_probed() -> None:
    assert _reference_fields() <= set(BODY_REFS), sorted(_reference_fields() - set(BODY_REFS))


@pytest.mark.parametrize("role", ROLES, ids=lambda r: f"member as {r}" if r else "outsider")
def test_it_answers_for_a_reference_to_another_project_as_for_a_missing_one(
    role, hidden, mine, client_for, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    own = mine(role)
    secret = VerdictScheme.objects.create(name="Secret", slug="secret-scheme")
    Project.objects.create(name="Hidden", slug="hidden", scheme=secret)
    hidden = {**hidden, "scheme": secret.slug}
    charlie = client_for("charlie")
    path_ids = {"adjudication": own.get("adjudication", MISSING_ID), "project": own.get("project", MISSING_SLUG)}
    failures = []
    for (method, path, field), (kind, body) in BODY_REFS.items():
        op = next((o for o in operations() if (o.method, o.path) == (method, path)), None)
        assert op is not None, f"{method} {path} is no longer in the schema"
        url = fill(op, path_ids)
        there = _send(charlie, method, url, body(own, hidden[kind]))
        nowhere = _send(charlie, method, url, body(own, MISSING[kind] if kind in MISSING else MISSING_SLUG))
        if there.status_code >= 500 or normalised(there, slugs=("test", "secret-scheme")) != normalised(nowhere):
            failures.append((method, path, field, there.status_code, there.content[:150], nowhere.content[:150]))
    for method, path, field in MULTIPART_REFS:
        answers = [
            _send(charlie, method, path, {field: ref, "file": SimpleUploadedFile("a.jsonl", b'{"body": "x"}\n')},
                  multipart=True)
            for ref in (hidden["project"], MISSING_SLUG)
        ]
        if normalised(answers[0], slugs=("test",)) != normalised(answers[1]):
            failures.append((method, path, field, answers[0].content[:150], answers[1].content[:150]))
    assert failures == [], "\n".join(map(str, failures))


# --- within a project ---------------------------------------------------------------------------


def test_a_blind_annotator_cannot_tell_others_work_from_missing_ids(work, client_for, users) -> None:
    """bob probes alice's annotation and evidence with every route that takes their ids."""
    bob = client_for("bob")
    theirs = {"annotation": work["a_alice"].pk, "evidence": work["e_alice"].pk}
    ops = [op for op in operations() if op.takes_id and op.resource in ("annotations", "evidence")]
    assert {op.method for op in ops} >= {"GET", "PATCH", "DELETE"}
    failures = []
    for op in ops:
        body = {"rationale": "x", "version": 1} if op.method == "PATCH" else None
        there = _send(bob, op.method, fill(op, theirs), body)
        nowhere = _send(bob, op.method, fill(op, MISSING), body)
        if there.status_code != 404 or normalised(there) != normalised(nowhere):
            failures.append((str(op), there.status_code, there.content[:150], nowhere.content[:150]))
    assert failures == [], failures
    # The web UI's removal of evidence, too.
    web = Client()
    web.force_login(users["bob"])
    there = web.post(reverse("ui:evidence_delete", args=[work["e_alice"].pk]))
    nowhere = web.post(reverse("ui:evidence_delete", args=[MISSING_ID]))
    assert there.status_code == nowhere.status_code == 404
    assert page_text(there) == page_text(nowhere)
    assert Evidence.objects.filter(pk=work["e_alice"].pk).exists()


def test_a_researcher_cannot_tell_suggestions_from_missing_claims(work, candidate, claim, client_for) -> None:
    """rhea, a member, probes a suggestion's id in paths and bodies: as if it did not exist."""
    rhea = client_for("rhea")
    probes = []
    for op in operations():
        if op.takes_id and op.resource == "claims":
            body = None if op.method == "GET" else {"status": "accepted", "version": 1}
            probes.append((str(op), op.method, fill(op, {"claim": candidate.pk}), fill(op, MISSING), body, body))
    own = {"claim": claim.pk, "claim2": claim.pk, "verdict": work["codes"][0]}
    for (method, path, field), (kind, make) in BODY_REFS.items():
        if kind == "claim":
            probes.append((f"{method} {path} {field}", method, path, path,
                           make(own, candidate.pk), make(own, MISSING_ID)))
    assert len(probes) >= 8
    failures = []
    for label, method, there_url, nowhere_url, there_body, nowhere_body in probes:
        there = _send(rhea, method, there_url, there_body)
        nowhere = _send(rhea, method, nowhere_url, nowhere_body)
        if there.status_code not in (403, 404) or normalised(there) != normalised(nowhere):
            failures.append((label, there.status_code, there.content[:150], nowhere.content[:150]))
    assert failures == [], "\n".join(map(str, failures))
    # Where the claim itself is named, the answer is the missing claim's 404, not a role refusal.
    assert rhea.get(f"/api/v1/claims/{candidate.pk}/").json() == NOT_FOUND
    assert rhea.post("/api/v1/annotations/", {"claim": candidate.pk, "verdict": work["codes"][0]},
                     format="json").status_code == 404


def test_the_web_ui_checks_a_researchers_role_before_looking_up_linked_claims(
    candidate, claim, users
) -> None:
    """Linking a claim, or citing one as evidence, from the article page: 403 whatever the id."""
    web = Client()
    web.force_login(users["rhea"])
    for name, field, extra in (("ui:claim_relate", "target", {"kind": "supports"}),
                               ("ui:evidence_add", "linked_claim", {"stance": "context"})):
        url = reverse(name, args=[claim.pk])
        there = web.post(url, {field: candidate.pk, **extra})
        nowhere = web.post(url, {field: MISSING_ID, **extra})
        assert there.status_code == nowhere.status_code == 403, name
        assert page_text(there) == page_text(nowhere), name


# --- roles before lookups -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "rhea"])
def test_adjudicating_checks_the_role_before_looking_up_gold_evidence(name, work, claim, client_for) -> None:
    """An annotator or researcher learns nothing of the claim's evidence ids: 403 either way,
    and the evidence table is not even read."""
    client = client_for(name)
    answers = []
    for gold in ([work["e_bob"].pk], [MISSING_ID]):
        with CaptureQueriesContext(connection) as queries:
            answers.append(client.post("/api/v1/adjudications/", {
                "claim": claim.pk, "verdict": work["codes"][0], "gold_evidence": gold,
            }, format="json"))
        assert not [q for q in queries.captured_queries if "annotations_evidence" in q["sql"]]
    assert answers[0].status_code == answers[1].status_code == 403
    assert answers[0].json() == answers[1].json()
    assert not Adjudication.objects.filter(claim=claim).exists()


@pytest.mark.parametrize("name", ["alice", "rita", "rhea"])
def test_only_managers_may_look_up_usernames(name, project, client_for, users, django_user_model) -> None:
    """Members who may not add members get 403 before any username is looked up."""
    client = client_for(name)
    answers = []
    for username in ("charlie", "nobody-at-all"):
        with CaptureQueriesContext(connection) as queries:
            answers.append(client.post("/api/v1/members/", {
                "project": "test", "username": username, "role": "annotator",
            }, format="json"))
        assert not [q for q in queries.captured_queries if '"auth_user"."username" =' in q["sql"]]
    assert answers[0].status_code == answers[1].status_code == 403
    assert answers[0].json() == answers[1].json()
    assert not Membership.objects.filter(user=users["charlie"]).exists()


def test_a_manager_gets_the_same_refusal_for_unknown_and_deactivated_usernames(
    project, client_for, django_user_model
) -> None:
    django_user_model.objects.create_user(username="gone", password="x", is_active=False)
    max_ = client_for("max")
    answers = [
        max_.post("/api/v1/members/", {"project": "test", "username": u, "role": "annotator"}, format="json")
        for u in ("gone", "nobody-at-all")
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json()["username"][0].replace("gone", "?") == answers[1].json()["username"][0].replace(
        "nobody-at-all", "?")
    added = max_.post("/api/v1/members/", {"project": "test", "username": "charlie", "role": "annotator"},
                      format="json")
    assert added.status_code == 201


# --- the cluster page and the API -------------------------------------------------------------


@pytest.mark.parametrize("adjudicated", [False, True])
def test_the_cluster_page_and_the_api_show_a_researcher_the_same_links(
    project, claim, claim2, client_for, users, verdicts, adjudicated
) -> None:
    """Researchers see the links between adjudicated claims (as releases hold them), nothing else."""
    relation = ClaimRelation.objects.create(source=claim, target=claim2, kind=RelationKind.CONTRADICTS)
    if adjudicated:
        for c in (claim, claim2):
            Adjudication.objects.create(claim=c, verdict=verdicts["supported"], adjudicator=users["rita"],
                                        method=AdjudicationMethod.ADJUDICATED)
    cluster = reverse("ui:cluster", args=[claim.pk])
    for name, sees in (("rhea", adjudicated), ("alice", True), ("rita", True)):
        api = client_for(name).get("/api/v1/claim-relations/", {"project": "test"})
        api_ids = {r["id"] for r in api.json()["results"]} if api.status_code == 200 else set()
        web = Client()
        web.force_login(users[name])
        html = web.get(cluster).content.decode()
        assert (relation.pk in api_ids) == sees, name
        assert (f'id="cluster-claim-{claim2.pk}"' in html) == sees, name
        assert ("Contradicts" in html) == sees, name
        article = web.get(reverse("ui:article", args=[claim.article_id]) + f"?claim={claim.pk}").content.decode()
        assert (f'href="{cluster}"' in article) == sees, name
