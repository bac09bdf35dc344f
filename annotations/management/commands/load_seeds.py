"""Load the seed corpus, the demo project and the demo users."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from annotations.services.seeds import DEMO_USERS, PROJECT_SLUG, seeds_load

DEBUG_DEMO_PASSWORD = "workbench-demo"


class Command(BaseCommand):
    help = "Load the five seed articles, the demo project and a demo user per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Password for newly created demo users (default: $DEMO_PASSWORD; with DEBUG on, "
            f"{DEBUG_DEMO_PASSWORD!r}; otherwise they cannot log in until given one).",
        )
        parser.add_argument(
            "--no-suggest", action="store_true",
            help="do not run the suggestion engine over the seed articles of a new demo project",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("DEMO_PASSWORD")
        if not password and settings.DEBUG:
            password = DEBUG_DEMO_PASSWORD
        report = seeds_load(password=password)
        self.stdout.write(report.articles.summary())
        self.stdout.write(
            f"project {PROJECT_SLUG}: {'created' if report.project_created else 'already there'}; "
            f"users created: {', '.join(report.users_created) or 'none'}"
        )
        if report.project_created and not options["no_suggest"]:
            # Annotators find suggested claims waiting on their first visit, as on a real desk.
            call_command("suggest_claims", project=PROJECT_SLUG, stdout=self.stdout)
            # ... and the claim graph ready: related claims on every panel, proposals to review.
            from annotations.models import Project
            from annotations.services.graph_jobs import relations_build

            built = relations_build(Project.objects.get(slug=PROJECT_SLUG))
            self.stdout.write(
                f"claim graph: {built['passages_indexed']} passages indexed, "
                f"{built['proposed']} relations proposed"
            )
        if report.users_created and not password:
            self.stdout.write(self.style.WARNING("Demo users have no password; set one with changepassword."))
        self.stdout.write(
            "demo users: " + ", ".join(f"{name} ({role})" for name, (role, _) in DEMO_USERS.items())
        )
