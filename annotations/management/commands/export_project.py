"""Write a whole project to a versioned archive (see annotations.services.archive)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Project
from annotations.services.archive import project_archive_export
from annotations.services.jobs import UserFacingError


class Command(BaseCommand):
    help = (
        "Export a project (settings, scheme, members, articles, claims, relations, annotations, "
        "evidence, adjudications, questions, candidates, models, jobs, releases and their files, "
        "history) to one zip that import_project reads on another Workbench. FILE '-' writes to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the project's slug")
        parser.add_argument("file", help="the archive to write (e.g. anchorage.wbproject.zip)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["slug"]).first()
        if project is None:
            raise CommandError(f"no project with slug {options['slug']!r}")
        target: Any = sys.stdout.buffer if options["file"] == "-" else Path(options["file"])
        try:
            report = project_archive_export(project=project, target=target)
        except UserFacingError as exc:
            if isinstance(target, Path):
                target.unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        if options["file"] != "-" and options["verbosity"]:
            self.stdout.write(report.summary() + f" -> {options['file']}")
