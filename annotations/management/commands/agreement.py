"""Print a project's inter-annotator agreement: a table, or the API's JSON with --json."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.access import NotFound
from annotations.management.acting import acting_user
from annotations.models import Project
from annotations.selectors.agreement import project_agreement_report


def _figure(estimate: dict | None) -> str:
    """A value with its 95 % interval, e.g. `0.612 [0.401, 0.790]`; `—` when undefined."""
    if not estimate or estimate.get("value") is None:
        return "—"
    if estimate.get("ci_low") is None:
        return f"{estimate['value']:.3f}"
    return f"{estimate['value']:.3f} [{estimate['ci_low']:.3f}, {estimate['ci_high']:.3f}]"


class Command(BaseCommand):
    help = (
        "Print a project's inter-annotator agreement (Krippendorff's alpha, Fleiss' kappa, percent "
        "agreement, per verdict and per annotator pair, with 95 % bootstrap intervals). --json "
        "prints exactly what GET /api/v1/projects/<slug>/agreement/ returns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--as", dest="as_user", help="act as this reviewer or manager (default: the first manager)"
        )
        parser.add_argument(
            "--fresh", action="store_true",
            help="compute now even for a big project, instead of using the latest agreement job",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.select_related("scheme").filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        user = acting_user(project, options["as_user"])
        try:
            report = project_agreement_report(user, project, fresh=bool(options["fresh"]))
        except (PermissionDenied, NotFound) as exc:
            raise CommandError(f"{user.get_username()} may not see this project's agreement: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self._table(report)

    def _table(self, report: dict) -> None:
        """The figures as aligned text."""
        out = self.stdout.write
        if not report["available"]:
            out(
                f"{report['project']}: {report['n_annotations_now']} annotations, more than "
                f"{report['inline_limit']}: no agreement job has finished yet. Start one from the "
                "agreement page, or run this command with --fresh."
            )
            return
        source = report["source"]
        when = f" (agreement job #{source['job']}, {source['computed_at']})" if source["kind"] == "job" else ""
        overall = report["overall"]
        out(f"Agreement in {report['project']}{when}")
        out(
            f"{overall['n_items']} claims, {overall['n_pairable_items']} with two verdicts or more, "
            f"{overall['n_ratings']} verdicts by {overall['n_raters']} annotators; nominal level, "
            f"95 % bootstrap intervals over {report['n_boot']} resamples"
        )
        out("")
        for label, key in (
            ("Krippendorff's alpha", "alpha"), ("Fleiss' kappa", "fleiss_kappa"),
            ("Percent agreement", "percent_agreement"), ("Mean pairwise Cohen's kappa", "mean_pairwise_cohen"),
        ):
            out(f"  {label:<29}{_figure(overall[key])}")
        names = {label["code"]: label["name"] for label in report["labels"]}
        out("")
        out(f"  {'Verdict (one against the rest)':<32}{'given':>6}  {'alpha':<26}{'Fleiss':<26}percent")
        for row in report["per_verdict"]:
            out(
                f"  {names.get(row['label'], row['label'])[:31]:<32}{row['n_positive']:>6}  "
                f"{_figure(row['alpha']):<26}{_figure(row['fleiss_kappa']):<26}"
                f"{_figure(row['percent_agreement'])}"
            )
        out("")
        out(f"  {'Annotator pair':<32}{'claims':>6}  {'Cohen kappa':<26}percent")
        for row in report["per_pair"]:
            pair = f"{row['rater_a']} – {row['rater_b']}"
            out(
                f"  {pair[:31]:<32}{row['n_items']:>6}  {_figure(row['cohen_kappa']):<26}"
                f"{_figure(row['percent_agreement'])}"
            )
        spans = report.get("spans")
        if spans and not spans["n_documents"]:
            out("")
            out("  Claim finding: no article has claims found by two annotators yet")
        elif spans:
            out("")
            out(
                f"  Claim finding: mean pairwise span F1 {_figure(spans['mean_f1'])} over "
                f"{spans['n_documents']} articles, {spans['n_annotators']} annotators"
            )
            for row in spans["per_pair"]:
                pair = f"{row['annotator_a']} – {row['annotator_b']}"
                out(f"  {pair[:31]:<32}{row['n_documents']:>6}  {_figure(row['f1'])}")
