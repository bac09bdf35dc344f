"""Build a dataset release of a project: every format, the card, checksums and a zip."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.access import NotFound
from annotations.management.acting import acting_user
from annotations.models import DatasetRelease, JobStatus, Project
from annotations.services.jobs import job_run
from annotations.services.releases import (
    RELEASE_FORMATS,
    release_job_create,
    release_job_start,
    release_job_work,
)


def _refusal(exc: Exception) -> CommandError:
    """A service's refusal as one line per problem, naming the field."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        lines = [f"{field}: {m}" for field, messages in exc.message_dict.items() for m in messages]
        return CommandError("refused: " + "; ".join(lines))
    return CommandError("refused: " + "; ".join(getattr(exc, "messages", [str(exc)])))


class Command(BaseCommand):
    help = (
        "Build an immutable dataset release of a project's adjudicated claims in "
        f"{', '.join(RELEASE_FORMATS)}, with a dataset card, SHA256SUMS and a zip, under "
        "MEDIA_ROOT/releases/<project>/<version>/. Runs here unless --queue."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: object) -> CommandParser:
        # Our --version names the release; it replaces Django's own --version (the Django version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--version", required=True, dest="release_version", help="e.g. v1.0")
        parser.add_argument(
            "--format", action="append", choices=RELEASE_FORMATS, dest="formats",
            help="a format to write (repeatable; default: all)",
        )
        parser.add_argument(
            "--min-agreement", type=float,
            help="least share (0-1) of a claim's annotators agreeing with its final verdict",
        )
        parser.add_argument("--verdict", action="append", dest="verdicts", help="a final verdict code (repeatable)")
        parser.add_argument("--since", help="claims dated on or after (YYYY-MM-DD; the statement's date, else the article's)")
        parser.add_argument("--until", help="claims dated on or before (YYYY-MM-DD)")
        parser.add_argument(
            "--include-unadjudicated", action="store_true",
            help="also release accepted claims without a final verdict (null verdict)",
        )
        parser.add_argument("--base-url", default="", help="the workbench's public address, for links")
        parser.add_argument("--user", help="build as this manager (default: the project's first)")
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to a Celery worker and return at once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project with slug {options['project']!r}")
        user = acting_user(project, options["user"])
        filters: dict = {}
        for name in ("min_agreement", "verdicts", "since", "until"):
            if options[name] is not None:
                filters[name] = options[name]
        if options["include_unadjudicated"]:
            filters["include_unadjudicated"] = True
        request: dict[str, Any] = {
            "project": project, "by": user, "version": options["release_version"],
            "formats": options["formats"], "filters": filters, "base_url": options["base_url"],
        }
        try:
            if options["queue"]:
                job = release_job_start(**request)
                self.stdout.write(f"queued release job {job.pk}")
                return
            job = release_job_create(**request, inline=True)
        except (ValidationError, PermissionDenied, NotFound) as exc:
            raise _refusal(exc) from None
        # Run here, through the same Job and service a worker would use.
        ran = job_run(job.pk, release_job_work)
        assert ran is not None  # the job is this command's own
        job = ran
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.error)
        release = DatasetRelease.objects.get(pk=job.result["release"])
        counts = release.counts
        self.stdout.write(
            f"release {release.version} of {project.slug}: {counts['claims']} claims from "
            f"{counts['articles']} articles, {counts['annotations']} annotations (job {job.pk})"
        )
        for item in release.files.order_by("pk"):
            fmt = counts["formats"].get(item.format, {})
            left = fmt.get("left_out") or {}
            note = "" if not left else "; left out: " + ", ".join(f"{n} ({why})" for why, n in left.items())
            self.stdout.write(f"  {item.format:<17} {item.size:>12,} B  {item.file.name}{note}")
