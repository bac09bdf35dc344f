"""Suggest cross-article claim relations offline over any JSONL corpus (no database)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.graph.offline import RELATED_K, TOP_CONTRADICTIONS, UNDETERMINED, read_documents, relate_documents


class Command(BaseCommand):
    help = (
        "Suggest related claims and contradiction candidates across documents with no database "
        '(--offline --input IN --output OUT; each input line is {"id","text","lang"} with "lang" '
        'optional (then detected); each output line one pair: {"a": {"doc","start","end"}, '
        '"b": {...}, "relation", "score", "reasons"}, offsets in code points, best first).'
    )
    # Offline mode must work where no database is configured or reachable.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offline", action="store_true", help="no database: JSONL in, JSONL out")
        parser.add_argument("--input", help="the JSONL documents")
        parser.add_argument("--output", help="where to write the ranked pairs (JSONL)")
        parser.add_argument(
            "--k", type=int, default=RELATED_K,
            help=f"related passages of other documents kept per passage (default {RELATED_K})",
        )
        parser.add_argument(
            "--top-contradictions", type=int, default=TOP_CONTRADICTIONS,
            help=f"contradiction candidates proposed for the whole corpus (default {TOP_CONTRADICTIONS})",
        )
        parser.add_argument(
            "--fallback-lang", default=UNDETERMINED,
            help=f"the language of a document that gives none and is not detected (default {UNDETERMINED!r})",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not options["offline"]:
            raise CommandError("only --offline is implemented here; the project job runs from the UI or API")
        self._offline(options)

    def _offline(self, options: dict) -> None:
        """Relate the input's documents; on a bad line, fail and leave no output file."""
        if not options["input"] or not options["output"]:
            raise CommandError("--offline needs --input and --output")
        if options["k"] < 1:
            raise CommandError(f"--k must be at least 1, not {options['k']}")
        if options["top_contradictions"] < 0:
            raise CommandError(f"--top-contradictions must be 0 or more, not {options['top_contradictions']}")
        source, target = Path(options["input"]), Path(options["output"])
        # Write beside the target and rename at the end: a bad line leaves nothing behind, and
        # a reader never sees half a file.
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise CommandError(f"cannot write beside {target}: {exc}") from None
        try:
            # Binary lines, decoded one by one, so a bad byte is reported with its line number.
            with source.open("rb") as lines, os.fdopen(fd, "w", encoding="utf-8") as out:
                rows = relate_documents(
                    read_documents(lines), k=options["k"],
                    top_contradictions=options["top_contradictions"], fallback_lang=options["fallback_lang"],
                )
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
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
        contradictions = sum(r["relation"] == "contradicts" for r in rows)
        self.stdout.write(f"{len(rows)} pairs ({contradictions} contradiction candidates) written to {target}")

