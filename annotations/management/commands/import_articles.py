"""Import articles from JSONL, CSV, a .txt file, a zip of .txt files or a folder of them, or
doccano and Label Studio exports (their spans become claims); or a fact-check feed (ClaimReview)
as the project's reference fact checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.importers.reader import FORMATS
from annotations.importers.sniff import encoding_named, separator_named
from annotations.management.acting import acting_user
from annotations.models import JobKind, JobStatus, Project
from annotations.services.imports import (
    SPANS_AS,
    ImportRefused,
    import_counts,
    import_job_start,
    import_job_work,
    import_size_check,
    import_source_size,
)
from annotations.services.jobs import job_create, job_run


class Command(BaseCommand):
    help = (
        "Import articles into a project. The file is checked first: if any line is bad, nothing "
        "is imported and every bad line is listed. Duplicate bodies are skipped and counted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", nargs="?",
            help="a .jsonl, .csv, .txt, .html or .zip file, a folder of .txt, a doccano .jsonl "
            "(--format doccano), a Label Studio .json export, a Workbench release (its zip, or the "
            "unzipped folder), or a ClaimReview feed (.json, .jsonld)",
        )
        parser.add_argument(
            "--urls", metavar="FILE",
            help="a text file of URLs, one a line: the worker fetches each page and imports it",
        )
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--format", choices=FORMATS, help="override the format the name implies")
        parser.add_argument(
            "--spans-as", choices=SPANS_AS, default=None,
            help="what the spans of a doccano or Label Studio export, or a release's claims, become "
            "(default: suggestions)",
        )
        parser.add_argument(
            "--day-first", action="store_true", default=None,
            help="dates are DD/MM/YYYY (the default when the project's language is French)",
        )
        parser.add_argument(
            "--separator", metavar="CHAR",
            help="the CSV's separator (';', 'semicolon', 'tab', ...), instead of sniffing it",
        )
        parser.add_argument(
            "--encoding", metavar="NAME",
            help="the CSV's encoding (utf-8, windows-1252, latin-1, ...), instead of sniffing it",
        )
        parser.add_argument("--user", help="import as this member (default: a manager of the project)")
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to a Celery worker and return at once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project with slug {options['project']!r}")
        user = acting_user(project, options["user"])
        if bool(options["source"]) == bool(options["urls"]):
            raise CommandError("give a source file or --urls FILE, not both")
        if options["urls"]:
            options["source"], options["format"] = options["urls"], "urls"
        source = str(options["source"])
        for option, check in (("separator", separator_named), ("encoding", encoding_named)):
            if options[option]:
                try:
                    check(options[option])
                except ValueError as exc:
                    raise CommandError(f"--{option}: {exc}") from None
        try:
            # Before a job exists, like an upload through the UI or the API.
            import_size_check(name=source, size=import_source_size(source))
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        if options["queue"]:
            job = import_job_start(
                project=project, by=user, path=str(options["source"]), format=options["format"],
                spans_as=options["spans_as"], day_first=options["day_first"],
                separator=options["separator"], encoding=options["encoding"],
            )
            self.stdout.write(f"queued import job {job.pk}")
            return
        # Run here, through the same Job and service a worker would use.
        job = job_create(
            project=project,
            kind=JobKind.IMPORT,
            by=user,
            params={
                "path": str(Path(str(options["source"])).resolve()),
                # Run in this process: a restarting worker must not pick it up as orphaned.
                "inline": True,
                **({"format": options["format"]} if options["format"] else {}),
                **({"spans_as": options["spans_as"]} if options["spans_as"] else {}),
                **({"day_first": True} if options["day_first"] else {}),
                **({"separator": options["separator"]} if options["separator"] else {}),
                **({"encoding": options["encoding"]} if options["encoding"] else {}),
            },
        )
        ran = job_run(job.pk, import_job_work)
        assert ran is not None  # the job is this command's own
        job = ran
        if job.status != JobStatus.SUCCEEDED:
            for error in job.result.get("errors", []):
                where = error["file"] + (f", line {error['line']}" if error["line"] else "")
                field = f", field {error['field']!r}" if error["field"] else ""
                self.stderr.write(f"{where}{field}: {error['message']}")
            hidden = job.result.get("error_count", 0) - len(job.result.get("errors", []))
            if hidden > 0:
                self.stderr.write(f"… and {hidden} more bad lines")
            raise CommandError(job.error)
        result = job.result
        if result.get("factchecks"):
            self.stdout.write(
                f"{result['source']}: {result['records']} fact checks read, {result['created']} new, "
                f"{result['updated']} updated, {result['duplicates']} repeated in the file skipped (job {job.pk})"
            )
            return
        for failed in result.get("failed_urls", []):
            self.stderr.write(f"{source}, line {failed['line']}: {failed['url']}: {failed['error']}")
        self.stdout.write(f"{result['source']}: {import_counts({**result, 'claims': 0})} (job {job.pk})")
        if result.get("claims"):
            self.stdout.write(
                f"  {result['claims']} claims ({job.params.get('spans_as', 'suggestions')}) and "
                f"{result['relations']} relations from the file's spans"
            )
        for dup in result["duplicate_lines"][:20]:
            self.stdout.write(f"  duplicate: {dup['file']}, line {dup['line']} {dup['title']!r}")
