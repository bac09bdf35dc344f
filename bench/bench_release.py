#!/usr/bin/env python
"""Time and peak RSS of dataset releases on PostgreSQL, beside a raw COPY of the same rows.

Usage: bench/bench_release.py [--database-url URL] [--annotations 100000 1000000]
                              [--annotators-per-claim 5] [--repeat 3] [--regenerate]
                              [--kinds ...] [--markdown FILE]

For each size, a project of annotations / annotators_per_claim claims is generated once
(bench/generate_project.py) and kept between runs. Every measurement runs in its own process, so
its peak RSS (VmHWM) is its own: Django and the app alone are the "at start" figure. With
--repeat N each measurement runs N times and the fastest run is kept (other load on the machine
only ever adds time), with the largest peak RSS of the N.

Measurements:
  copy-json    COPY (SELECT json_build_object(...)) TO STDOUT: the database builds each native
               record as JSON itself (annotations and gold evidence with json_agg), to a file
  copy-flat    the same rows as plain COPY text: claims joined with article, outlet and
               adjudication; their annotations; their gold evidence (three COPYs, one file)
  records      the release selector's stream of native records, written nowhere
  <format>     one format's writer over the stream, to a file (jsonl, csv, fever, ...)
  release      the release job in every format: all files, card, SHA256SUMS and the zip
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "release"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/h_release_bench"

COPY_JSON = """
COPY (
  SELECT json_build_object(
    'id', c.id,
    'article', json_build_object('id', a.id, 'external_id', a.external_id, 'title', a.title,
        'url', a.url, 'outlet', coalesce(o.name, ''), 'author', a.author,
        'published_on', a.published_on, 'language', a.language),
    'start', c.start, 'end', c."end", 'quote', c.quote, 'statement', c.statement,
    'speaker', c.speaker, 'statement_date', c.statement_date, 'kind', c.kind,
    'verdict', json_build_object('code', v.code, 'name', v.name, 'fever', v.fever_label,
        'averitec', v.averitec_label, 'claimreview_rating', v.claimreview_rating,
        'claimreview_name', v.claimreview_name_fr),
    'adjudication', json_build_object('method', j.method, 'notes', j.notes,
        'adjudicator', j.adjudicator_id, 'decided_at', j.decided_at),
    'gold_evidence', coalesce((
        SELECT json_agg(json_build_object('id', e.id, 'url', e.url, 'title', e.title,
            'publisher', e.publisher, 'published_on', e.published_on, 'passage', e.passage,
            'question', e.question, 'stance', e.stance, 'linked_claim_id', e.linked_claim_id,
            'linked_article_id', e.linked_article_id) ORDER BY e.id)
        FROM annotations_adjudication_gold_evidence g
        JOIN annotations_evidence e ON e.id = g.evidence_id
        WHERE g.adjudication_id = j.id), '[]'),
    'annotations', coalesce((
        SELECT json_agg(json_build_object('annotator', n.annotator_id, 'verdict', nv.code,
            'confidence', n.confidence, 'rationale', n.rationale) ORDER BY n.annotator_id)
        FROM annotations_annotation n LEFT JOIN annotations_verdict nv ON nv.id = n.verdict_id
        WHERE n.claim_id = c.id), '[]'))
  FROM annotations_claim c
  JOIN annotations_article a ON a.id = c.article_id
  LEFT JOIN annotations_outlet o ON o.id = a.outlet_id
  JOIN annotations_adjudication j ON j.claim_id = c.id
  JOIN annotations_verdict v ON v.id = j.verdict_id
  WHERE a.project_id = {pid} AND c.status = 'accepted'
  ORDER BY c.article_id, c.start, c."end", c.id
) TO STDOUT
"""

COPY_FLAT = [
    """COPY (
  SELECT c.id, a.id, a.external_id, a.title, a.url, o.name, a.author, a.published_on, a.language,
         c.start, c."end", c.quote, c.statement, c.speaker, c.statement_date, c.kind,
         j.id, j.verdict_id, j.method, j.notes, j.adjudicator_id, j.decided_at
  FROM annotations_claim c
  JOIN annotations_article a ON a.id = c.article_id
  LEFT JOIN annotations_outlet o ON o.id = a.outlet_id
  JOIN annotations_adjudication j ON j.claim_id = c.id
  WHERE a.project_id = {pid} AND c.status = 'accepted'
  ORDER BY c.article_id, c.start, c."end", c.id) TO STDOUT""",
    """COPY (
  SELECT n.claim_id, n.annotator_id, n.verdict_id, n.confidence, n.rationale
  FROM annotations_annotation n
  JOIN annotations_claim c ON c.id = n.claim_id
  JOIN annotations_article a ON a.id = c.article_id
  JOIN annotations_adjudication j ON j.claim_id = c.id
  WHERE a.project_id = {pid} AND c.status = 'accepted'
  ORDER BY n.claim_id, n.annotator_id) TO STDOUT""",
    """COPY (
  SELECT g.adjudication_id, e.id, e.url, e.title, e.publisher, e.published_on, e.passage,
         e.question, e.stance, e.linked_claim_id, e.linked_article_id
  FROM annotations_adjudication_gold_evidence g
  JOIN annotations_evidence e ON e.id = g.evidence_id
  JOIN annotations_adjudication j ON j.id = g.adjudication_id
  JOIN annotations_claim c ON c.id = j.claim_id
  JOIN annotations_article a ON a.id = c.article_id
  WHERE a.project_id = {pid} AND c.status = 'accepted'
  ORDER BY g.adjudication_id, e.id) TO STDOUT""",
]


def _rss_mb() -> float:
    """This process's peak resident set so far, in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child started by a big
    parent would report the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, slug: str, database_url: str) -> dict:
    """One measurement, in this process."""
    from bench.generate_project import setup_django

    setup_django(database_url)
    import django.db

    from annotations import exporters
    from annotations.models import DatasetRelease, JobStatus, Project
    from annotations.selectors.releases import release_records
    from annotations.services.jobs import job_run
    from annotations.services.releases import (
        release_context,
        release_delete,
        release_job_create,
        release_job_work,
    )
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    # ClaimReview files link to the published fact checks: a generated project needs an address.
    Project.objects.filter(slug=slug, public_base_url="").update(public_base_url="https://factcheck.example.org/checks/")
    project = Project.objects.select_related("scheme").get(slug=slug)
    manager = get_user_model().objects.get(username=f"{slug}-manager")
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"{slug}.{kind}"
    rss_start = _rss_mb()
    cpu = time.process_time()
    started = time.perf_counter()
    size = 0
    records = 0
    if kind.startswith("copy-"):
        queries = [COPY_JSON] if kind == "copy-json" else COPY_FLAT
        with target.open("wb") as fh, django.db.connection.cursor() as cursor:
            for sql in queries:
                with cursor.copy(sql.format(pid=project.pk)) as copy:
                    for block in copy:
                        fh.write(block)
        size = target.stat().st_size
    elif kind == "records":
        for _ in release_records(manager, project):
            records += 1
    elif kind == "release":
        job = release_job_create(project=project, by=manager, version=f"bench-{int(time.time())}")
        job = job_run(job.pk, release_job_work)
        assert job.status == JobStatus.SUCCEEDED, job.error
        release = DatasetRelease.objects.get(job=job)
        size = sum(f.size for f in release.files.all())
        records = release.counts["claims"]
        seconds = time.perf_counter() - started
        files = {f.format: f.size for f in release.files.all()}
        release_delete(release=release, by=manager)
        return _figures(kind, seconds, cpu, rss_start, size, records) | {"files": files}
    else:
        context = release_context(project, version="bench", filters={}, base_url="", released_at=timezone.now())
        with target.open("wb") as fh:
            writer = exporters.export(kind, release_records(manager, project), fh, context)
        records = writer.written
        size = target.stat().st_size
    seconds = time.perf_counter() - started
    target.unlink(missing_ok=True)
    return _figures(kind, seconds, cpu, rss_start, size, records)


def _figures(kind: str, seconds: float, cpu: float, rss_start: float, size: int, records: int) -> dict:
    return {
        "kind": kind, "seconds": round(seconds, 2), "cpu_s": round(time.process_time() - cpu, 2),
        "records": records, "mb": round(size / 1e6, 1), "rss_start_mb": round(rss_start),
        "peak_rss_mb": round(_rss_mb()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default=DEFAULT_DB)
    ap.add_argument("--annotations", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--annotators-per-claim", type=int, default=5)
    ap.add_argument("--kinds", nargs="+", help="only these measurements")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is kept")
    ap.add_argument("--regenerate", action="store_true", help="drop and regenerate the projects")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--slug", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.slug, args.database_url)))
        return

    from bench.generate_project import drop, generate, setup_django

    setup_django(args.database_url)
    from django.core.management import call_command

    from annotations.exporters import FORMATS
    from annotations.models import Project

    call_command("migrate", verbosity=0)
    kinds = args.kinds or ["copy-flat", "copy-json", "records", *FORMATS, "release"]
    rows = []
    for n in args.annotations:
        slug = f"bench-release-{n // 1000}k"
        if args.regenerate:
            drop(slug)
        if not Project.objects.filter(slug=slug).exists():
            info = generate(slug, claims=n // args.annotators_per_claim,
                            annotators_per_claim=args.annotators_per_claim)
            print(f"generated {slug}: {info.claims} claims, {info.annotations} annotations "
                  f"in {info.seconds} s", file=sys.stderr)
        for kind in kinds:
            runs = []
            for _ in range(args.repeat):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", kind, "--slug", slug,
                     "--database-url", args.database_url],
                    capture_output=True, text=True,
                )
                if done.returncode:
                    sys.exit(f"{kind} on {slug} failed:\n{done.stderr[-3000:]}")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            figures = min(runs, key=lambda r: r["seconds"]) | {
                "annotations": n, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "runs": [r["seconds"] for r in runs],
            }
            print(json.dumps(figures), flush=True)
            rows.append(figures)
    table = [
        "| annotations | measurement | seconds | CPU s (client) | records | MB written | RSS at start | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['annotations']:,} | {r['kind']} | {r['seconds']} | {r['cpu_s']} | {r['records']:,} | "
            f"{r['mb']} | {r['rss_start_mb']} MB | {r['peak_rss_mb']} MB |"
        )
    print("\n".join(table))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
