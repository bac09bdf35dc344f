"""Serve the web app and one Celery worker together; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from annotations.services.seeds import DEMO_USERS


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker in one terminal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes")

    def handle(self, *args: object, **options: object) -> None:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "workbench", "worker",
                "--loglevel", "INFO", "--concurrency", str(options["concurrency"]),
                "--hostname", "workbench@%h",
            ]
        )
        addr = str(options["addr"])
        broker = settings.CELERY_BROKER_URL.split("://")[0]
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            self.style.SUCCESS(f"\nThe Workbench: http://{addr}/  (admin: http://{addr}/admin/)")
        )
        self.stdout.write(f"database: {database}, broker: {broker}, worker pid {worker.pid}")
        self.stdout.write(
            "demo logins (password 'workbench-demo' unless DEMO_PASSWORD was set): "
            + ", ".join(f"{name} ({role})" for name, (role, _) in DEMO_USERS.items())
            + "\n"
        )
        try:
            call_command("runserver", addr, use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            # Warm shutdown: the worker finishes its current task (acks are late, so an
            # interrupted one is redelivered next time).
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                # A second Ctrl-C, or a task that will not finish: stop it now.
                worker.kill()
                worker.wait()
