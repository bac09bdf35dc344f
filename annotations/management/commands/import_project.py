"""Create a project from an archive written by export_project (see annotations.services.archive)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.archive import ArchiveRefused, project_archive_import


class Command(BaseCommand):
    help = (
        "Import a project archive as a new project, all or nothing. Users are matched by username; "
        "unknown ones are created inactive, with an unusable password. A taken slug is refused "
        "unless --slug gives another or --rename picks the first free <slug>-N."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive (a .zip written by export_project)")
        parser.add_argument("--slug", help="the new project's slug (default: the archive's)")
        parser.add_argument("--rename", action="store_true", help="when the slug is taken, use <slug>-2, -3...")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = project_archive_import(path=options["file"], slug=options["slug"], rename=options["rename"])
        except ArchiveRefused as exc:
            lines = [str(exc)] + [
                f"  {e.file}" + (f", line {e.line}" if e.line else "") + (f", field '{e.field}'" if e.field else "")
                + f": {e.message}" for e in exc.errors[1:]
            ]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(report.summary())
