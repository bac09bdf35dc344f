"""Suggest claims: in a project's articles (a job), or offline over any JSONL corpus (no database)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.access import NotFound
from annotations.management.acting import acting_user
from annotations.models import JobStatus, Project
from annotations.services.jobs import job_run
from annotations.services.suggestions import suggest_job_create, suggest_job_start, suggest_job_work
from annotations.suggest import DEFAULT_THRESHOLD
from annotations.suggest.offline import UNDETERMINED, read_documents, score_documents


class Command(BaseCommand):
    help = (
        "Suggest candidate claims in a project's articles (--project), or run the engine over a "
        'JSONL corpus with no database (--offline --input IN --output OUT; each input line is '
        '{"id","text","lang"} with "lang" optional (then detected), each output line one document: '
        '{"id","lang","lang_source","suggestions","checkworthy","score"}).'
    )
    # Offline mode must work where no database is configured or reachable.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offline", action="store_true", help="no database: JSONL in, JSONL out")
        parser.add_argument("--input", help="offline: the JSONL documents")
        parser.add_argument("--output", help="offline: where to write the suggestions (JSONL)")
        parser.add_argument(
            "--threshold", type=float, default=None,
            help="offline: drop suggestions scored below this (default: the language's own, "
                 f"{DEFAULT_THRESHOLD} for the rules, the learned model's for English and Spanish)",
        )
        parser.add_argument(
            "--fallback-lang", default=UNDETERMINED,
            help=f"offline: the language of a document that gives none and is not detected "
                 f"(default {UNDETERMINED!r}: language-independent cues only)",
        )
        parser.add_argument("--project", help="project slug")
        parser.add_argument("--article", type=int, action="append", help="an article id (repeatable)")
        parser.add_argument("--user", help="run as this manager (default: the project's first)")
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to a Celery worker and return at once"
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["offline"]:
            self._offline(options)
        elif options["project"]:
            self._project(options)
        else:
            raise CommandError("give --project SLUG, or --offline --input IN --output OUT")

    def _offline(self, options: dict) -> None:
        """Run the engine over the input; on a bad line, fail and leave no output file."""
        if not options["input"] or not options["output"]:
            raise CommandError("--offline needs --input and --output")
        threshold = options["threshold"]
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise CommandError(f"--threshold must be between 0 and 1, not {threshold}")
        source, target = Path(options["input"]), Path(options["output"])
        # Write beside the target and rename at the end: a bad line leaves nothing behind, and
        # a reader never sees half a file.
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise CommandError(f"cannot write beside {target}: {exc}") from None
        documents = checkworthy = 0
        try:
            # Binary lines, decoded one by one, so a bad byte is reported with its line number.
            with source.open("rb") as lines, os.fdopen(fd, "w", encoding="utf-8") as out:
                rows = score_documents(
                    read_documents(lines), threshold=threshold, fallback_lang=options["fallback_lang"]
                )
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    documents += 1
                    checkworthy += row["checkworthy"]
            os.replace(tmp_name, target)
        except ValueError as exc:  # read_documents names the line and the field
            Path(tmp_name).unlink(missing_ok=True)
            raise CommandError(f"{source.name}: {exc}; nothing was written") from None
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)  # interrupted: leave no temp file behind
            raise
        self.stdout.write(f"{documents} documents scored ({checkworthy} check-worthy), written to {target}")

    def _project(self, options: dict) -> None:
        """Run a suggest job on the project's articles here, or queue it for a worker."""
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project with slug {options['project']!r}")
        user = acting_user(project, options["user"])
        article_ids = options["article"]
        if options["queue"]:
            try:
                job = suggest_job_start(project=project, by=user, article_ids=article_ids)
            except (ValidationError, PermissionDenied, NotFound) as exc:
                raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
            self.stdout.write(f"queued suggest job {job.pk}")
            return
        # Run here, through the same Job and service a worker would use.
        try:
            job = suggest_job_create(project=project, by=user, article_ids=article_ids, inline=True)
        except (ValidationError, PermissionDenied, NotFound) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        ran = job_run(job.pk, suggest_job_work)
        assert ran is not None  # the job is this command's own
        job = ran
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.error)
        r = job.result
        self.stdout.write(
            f"{r['articles']} articles: {r['suggested']} claims suggested, {r['skipped_existing']} "
            f"already there, {r['skipped_overlap']} overlapping decided claims (job {job.pk})"
        )
