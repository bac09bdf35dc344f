"""A busy project for the archive tests: the seed corpus worked by every persona, and a comparison
of two projects row by row, field by field, modulo ids."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import (
    AdjudicationMethod,
    Article,
    CandidateStatus,
    Claim,
    ClaimStatus,
    JobStatus,
    Project,
    RelationKind,
    Stance,
)
from annotations.services import graph as graph_services
from annotations.services.adjudication import claim_adjudicate
from annotations.services.archive_tables import archive_tables
from annotations.services.collab import comment_create
from annotations.services.claims import claim_create, claim_decide, claim_relate, claim_update
from annotations.services.jobs import job_run
from annotations.services.releases import release_job_create, release_job_work
from annotations.services.seeds import PROJECT_SLUG, seeds_load
from annotations.services.work import annotation_save, evidence_add

# Columns a move does not carry, and why: the uploaded input of a job stays where it was.
NOT_CARRIED = {("annotations.Job", "input_file")}


def busy_project() -> Project:
    """The seed project with suggestions, decisions, verdicts, evidence, adjudications, relations,
    questions and answers, a decided candidate, edits and a deletion in history, and a release."""
    seeds_load(password=None)
    call_command("suggest_claims", project=PROJECT_SLUG, verbosity=0)
    User = get_user_model()
    alice, bob, rita, max_ = (User.objects.get(username=n) for n in ("alice", "bob", "rita", "max"))
    project = Project.objects.get(slug=PROJECT_SLUG)
    verdicts = {v.code: v for v in project.scheme.verdicts.all()}
    articles = list(Article.objects.filter(project=project).order_by("pk"))
    suggested = list(Claim.objects.filter(article__project=project, status=ClaimStatus.CANDIDATE).order_by("pk"))
    for i, candidate in enumerate(suggested[:6]):
        claim_decide(claim=candidate, by=alice, status=ClaimStatus.ACCEPTED if i % 3 else ClaimStatus.REJECTED,
                     version=candidate.version)
    marked = []
    for article in articles[:3]:
        words = article.body.split(" ")
        start = len(" ".join(words[:3])) + 1
        end = start + len(" ".join(words[3:9]))
        if Claim.objects.filter(article=article, start=start, end=end).exists():
            continue
        marked.append(claim_create(article=article, start=start, end=end, by=alice, statement="énoncé 🙂",
                                   speaker="Lavrov"))
    claims = [c for c in Claim.objects.filter(article__project=project, status=ClaimStatus.ACCEPTED).order_by("pk")]
    for i, claim in enumerate(claims):
        annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], confidence=4,
                        rationale=f"Alice {i}\nsecond line")
        annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted" if i % 2 else "supported"],
                        confidence=2, rationale="Bob")
        evidence = evidence_add(claim=claim, by=bob, stance=Stance.REFUTES, url="https://source.example/x",
                                title="Source 𝔘", passage="passage, with a comma")
        if i % 2 == 0:
            claim_adjudicate(claim=claim, by=rita, verdict=verdicts["supported"], notes=f"kept {i}",
                             gold_evidence=[evidence], method=AdjudicationMethod.ADJUDICATED)
    a, b = claims[0], next(c for c in claims if c.article_id != claims[0].article_id)
    evidence_add(claim=a, by=alice, stance=Stance.CONTEXT, linked_claim=b)
    question = graph_services.question_create(project=project, by=alice, text="La Russie a-t-elle cédé ?")
    graph_services.answer_set(question=question, claim=a, answer="yes", by=alice)
    graph_services.answer_set(question=question, claim=b, answer="no", by=bob)
    # Opposite answers propose a contradiction; rita accepts it, which links the two claims.
    candidate = project.relation_candidates.get()
    graph_services.candidate_decide(candidate=candidate, by=rita, status=CandidateStatus.ACCEPTED,
                                    version=candidate.version)
    c = next(c for c in claims if c.article_id not in (a.article_id, b.article_id))
    claim_relate(source=c, target=a, kind=RelationKind.SUPPORTS, by=rita, note="Vance vs Lavrov")
    comment_create(by=rita, claim=a, body="@alice which source says so?")
    comment_create(by=alice, question=question, body="Lavrov says no.")
    edited = Claim.objects.get(pk=marked[0].pk) if marked else claims[-1]
    claim_update(claim=edited, by=alice, version=edited.version, speaker="Sergueï Lavrov")
    # A deletion: its history (and its annotations' history) outlives it.
    gone = claims[-1]
    gone.delete()
    job = release_job_create(project=project, by=max_, version="v1", inline=True)
    job = job_run(job.pk, release_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return project


def _rows(table: Any, project: Project, skip_job: int | None = None) -> list[dict]:
    model = table.model
    names = [f.attname for f in model._meta.concrete_fields]
    rows = table.scope(project).order_by(model._meta.pk.attname)
    if skip_job is not None and model._meta.label == "annotations.Job":
        rows = rows.exclude(pk=skip_job)
    if skip_job is not None and model._meta.label == "annotations.Notification":
        rows = rows.exclude(job_id=skip_job)  # "your import finished"
    return list(rows.values(*names))


def compare_projects(src: Project, dst: Project, *, same_slug: bool = False,
                     skip_job: int | None = None) -> dict[str, int]:
    """Assert the two projects hold the same rows, field by field, ids mapped by order; the counts."""
    User = get_user_model()
    usernames = dict(User.objects.values_list("pk", "username"))
    ids: dict[str, dict[Any, Any]] = {}
    ghosts: dict[str, dict[Any, Any]] = {}
    counts = {}
    for table in archive_tables():
        model = table.model
        label = model._meta.label
        pk = model._meta.pk.attname
        a, b = _rows(table, src), _rows(table, dst, skip_job)  # skip_job: the import's own job
        assert len(a) == len(b), f"{table.member}: {len(a)} rows, {len(b)} after the move"
        counts[table.member] = len(a)
        if table.member in ("scheme.jsonl", "verdicts.jsonl") and src.scheme_id == dst.scheme_id:
            ids[label] = {r[pk]: r[pk] for r in a}
            continue
        ids[label] = {ra[pk]: rb[pk] for ra, rb in zip(a, b)}
        for number, (ra, rb) in enumerate(zip(a, b), start=1):
            for f in model._meta.concrete_fields:
                name = f.attname
                if f.primary_key or (label, f.name) in NOT_CARRIED:
                    continue
                va, vb = ra[name], rb[name]
                where = f"{table.member} row {number} field {f.name}"
                if label == "annotations.Project" and name == "slug" and not same_slug:
                    continue
                if f.is_relation and f.related_model is User:
                    assert (usernames.get(va), va is None) == (usernames.get(vb), vb is None), where
                elif f.is_relation or (table.history_of and name == "id"):
                    target = f.related_model._meta.label if f.is_relation else table.history_of
                    if va is None:
                        assert vb is None, where
                    elif va in ids.get(target, {}):
                        assert ids[target][va] == vb, where
                    else:  # a row deleted since: a ghost, the same one each time
                        assert vb < 0, where
                        assert ghosts.setdefault(target, {}).setdefault(va, vb) == vb, where
                elif label == "annotations.ReleaseFile" and name == "file":
                    assert Path(va).name == Path(vb).name, where
                else:
                    assert va == vb, f"{where}: {va!r} != {vb!r}"
    return counts


def release_checksums(project: Project) -> list[tuple[str, str, str]]:
    """(release version, format, SHA-256 of the file on disk), each checked against its row."""
    out = []
    for rf in apps.get_model("annotations.ReleaseFile").objects.filter(release__project=project).select_related(
        "release"
    ).order_by("release__version", "format"):
        digest = hashlib.sha256((Path(settings.MEDIA_ROOT) / rf.file.name).read_bytes()).hexdigest()
        assert digest == rf.sha256, rf.file.name
        out.append((rf.release.version, rf.format, digest))
    return out


def rewrite(archive: Path, target: Path, member: str, edit: Any, *, fix_manifest: bool = True) -> Path:
    """A copy of the archive whose member is `edit(lines) -> lines`, its manifest entry kept true."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename == "manifest.json":
                continue
            data = src.read(info.filename)
            if info.filename == member:
                lines = edit(data.decode().splitlines())
                data = ("\n".join(lines) + "\n").encode() if lines else b""
                if fix_manifest:
                    for m in manifest["members"]:
                        if m["name"] == member:
                            m["sha256"] = hashlib.sha256(data).hexdigest()
                            m["rows"] = sum(1 for line in lines if line.strip())
            dst.writestr(info.filename, data)
        if member == "manifest.json":
            manifest = edit(manifest)
        dst.writestr("manifest.json", json.dumps(manifest))
    return target


def canonical(archive: Path) -> dict[str, list[dict]]:
    """An archive's rows with every id replaced by its row's rank (ghosts by first appearance),
    so archives of one project written by two databases compare equal."""
    User = get_user_model()
    ranks: dict[str, dict[Any, int]] = {}
    ghosts: dict[str, dict[Any, str]] = {}

    def ref(label: str, value: Any) -> Any:
        if value is None:
            return None
        if value in ranks.get(label, {}):
            return ranks[label][value]
        known = ghosts.setdefault(label, {})
        return known.setdefault(value, f"ghost-{len(known)}")

    out: dict[str, list[dict]] = {}
    with zipfile.ZipFile(archive) as zf:
        out["users.jsonl"] = sorted((json.loads(line) for line in zf.read("users.jsonl").splitlines()),
                                    key=lambda u: u["username"])
        for table in archive_tables():
            if table.member not in zf.namelist():
                continue
            model = table.model
            pk = model._meta.pk
            rows = [json.loads(line) for line in zf.read(table.member).splitlines()]
            ranks[model._meta.label] = {row[pk.name]: i for i, row in enumerate(rows)}
            for row in rows:
                for f in model._meta.concrete_fields:
                    if f.primary_key:
                        row[f.name] = ranks[model._meta.label][row[f.name]]
                    elif (model._meta.label, f.name) in NOT_CARRIED:
                        row.pop(f.name, None)
                    elif f.is_relation and f.related_model is not User:
                        row[f.name] = ref(f.related_model._meta.label, row[f.name])
                    elif table.history_of and f.name == "id":
                        row[f.name] = ref(table.history_of, row[f.name])
                    elif model._meta.label == "annotations.ReleaseFile" and f.name == "file":
                        row[f.name] = Path(row[f.name]).name
            out[table.member] = rows
    return out
