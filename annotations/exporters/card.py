"""The dataset card (README.md of a release): what, when, counts, agreement, scheme, licence, fields."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import averitec, claimreview, fever, tabular
from .base import ReleaseContext
from .records import NATIVE_FIELDS

FORMAT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "jsonl": NATIVE_FIELDS,
    "parquet": NATIVE_FIELDS,
    "csv": tabular.COLUMNS,
    "fever": fever.FIELDS,
    "averitec": averitec.FIELDS,
    "claimreview": claimreview.FIELDS,
}

FORMAT_NOTES: dict[str, str] = {
    "jsonl": "One native record per line (UTF-8).",
    "parquet": (
        "The same records and fields as the JSONL, with nested fields as struct and list "
        "columns; dates are ISO strings. Loads with pandas (`pd.read_parquet`) and Hugging Face "
        "`datasets` (`load_dataset(\"parquet\", data_files=...)`)."
    ),
    "csv": (
        "The native records flattened, one row per claim; UTF-8 with a byte-order mark and CRLF "
        "rows, so Excel opens it cleanly. Empty cells are empty text or null. Text cells starting "
        "with =, +, -, @, tab or carriage return get a leading apostrophe so spreadsheets never "
        "run them as formulas (the JSONL and Parquet keep the text unchanged)."
    ),
    "fever": "FEVER-style JSONL; claims whose final verdict has no FEVER label are left out.",
    "averitec": (
        "AVeriTeC-style JSON array; claims whose final verdict has no AVeriTeC label are left out."
    ),
    "claimreview": (
        'One JSON-LD document, `{"@context": "https://schema.org", "@graph": [...]}`, with one '
        "ClaimReview per claim; claims whose verdict has no ClaimReview rating are left out."
    ),
}


@dataclass(frozen=True)
class FileEntry:
    """A data file of the release, as the card lists it."""

    format: str
    name: str
    size: int
    sha256: str
    records: int
    left_out: Mapping[str, int]


def _cell(value: Any) -> str:
    """Text for one table cell: pipes escaped, newlines flattened."""
    text = "—" if value in (None, "") else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _front_matter(context: ReleaseContext, files: Sequence[FileEntry]) -> list[str]:
    """YAML front matter (as JSON scalars, which YAML reads) for dataset hubs."""
    lines = ["---"]
    if context.licence:
        lines.append(f"license: {json.dumps(context.licence.lower())}")
    if context.language:
        lines.append(f"language:\n- {json.dumps(context.language)}")
    lines.append(f"pretty_name: {json.dumps(f'{context.project_name} {context.version}')}")
    parquet = [f for f in files if f.format == "parquet"]
    if parquet:
        lines += [
            "configs:", "- config_name: default", "  data_files:",
            "  - split: train", f"    path: {json.dumps(parquet[0].name)}",
        ]
    lines.append("---")
    return lines


def render_card(
    context: ReleaseContext,
    *,
    counts: Mapping[str, Any],
    agreement: Mapping[str, Any],
    files: Sequence[FileEntry],
) -> str:
    """The card as markdown."""
    by_code = {v.code: v for v in context.verdicts}
    total = counts.get("claims", 0)
    out = _front_matter(context, files)
    out += [
        "", f"# {context.project_name} — dataset release {context.version}", "",
        f"Released {context.released_at.strftime('%Y-%m-%d %H:%M UTC')} by {context.publisher}, "
        f"under the licence **{context.licence or 'not stated'}**.", "",
    ]
    if context.description:
        out += [context.description.strip(), ""]
    out += [
        "Each record is one claim — an exact span of a news article — with the final verdict a "
        "reviewer adjudicated (or that every annotator agreed on), the gold evidence, and every "
        "annotator's verdict, confidence and rationale.", "",
        "Annotators appear as "
        + ("their user names." if context.annotator_ids == "name" else
           "stable pseudonyms (the same person has the same pseudonym in every release of this "
           "project, and it cannot be traced back to an account)."),
        "", "## Selection", "",
    ]
    filters = context.filters
    rules = [
        "adjudicated claims only" if not filters.get("include_unadjudicated")
        else "accepted claims, adjudicated or not (unadjudicated ones have a null verdict)",
    ]
    if filters.get("min_agreement") is not None:
        rules.append(f"share of annotators agreeing with the final verdict ≥ {filters['min_agreement']}")
    if filters.get("verdicts"):
        rules.append("final verdict in: " + ", ".join(filters["verdicts"]))
    if filters.get("since") or filters.get("until"):
        rules.append(
            f"claim date (the statement's date, else the article's publication date) from "
            f"{filters.get('since') or 'the start'} to {filters.get('until') or 'now'}, inclusive"
        )
    out += [f"- {rule}" for rule in rules] + [""]
    out += ["## Counts", ""]
    out += _table(["", "count"], [
        ["claims", total], ["articles", counts.get("articles", 0)],
        ["annotations", counts.get("annotations", 0)], ["annotators", counts.get("annotators", 0)],
    ] + ([["claims without a final verdict", counts["unadjudicated"]]] if counts.get("unadjudicated") else []))
    methods = counts.get("methods") or {}
    if methods:
        out += ["", "How the final verdicts were reached: "
                + ", ".join(f"{name} {n}" for name, n in methods.items()) + "."]
    out += ["", "## Verdict distribution", ""]
    verdicts = counts.get("verdicts") or {}
    rows = []
    for code, n in verdicts.items():
        v = by_code.get(code)
        share = f"{100 * n / total:.1f} %" if total else "—"
        rows.append([code, v.name if v else code, n, share])
    out += _table(["code", "verdict", "claims", "share"], rows)
    out += ["", "## Agreement", "",
            "Over the released claims with two or more verdicts, nominal labels:", ""]
    out += _table(["figure", "value"], [
        ["claims with ≥ 2 verdicts", agreement.get("claims_with_two_or_more_verdicts", 0)],
        ["Krippendorff's alpha (nominal)", _figure(agreement.get("krippendorff_alpha_nominal"))],
        ["Fleiss' kappa", _figure(agreement.get("fleiss_kappa"))],
        ["percent agreement (agreeing annotator pairs, mean per claim)",
         _figure(agreement.get("percent_agreement"))],
        ["unanimous claims", agreement.get("unanimous_claims", 0)],
        ["mean share of annotators agreeing with the final verdict",
         _figure(agreement.get("mean_share_agreeing_with_final"))],
    ])
    out += ["", f"## Verdict scheme: {context.scheme_name}", ""]
    out += _table(
        ["code", "verdict", "FEVER", "AVeriTeC", "ClaimReview rating", "rating name (en / fr)",
         "meaning"],
        [[v.code, v.name, v.fever, v.averitec, v.claimreview_rating,
          " / ".join(x for x in (v.claimreview_name_en, v.claimreview_name_fr) if x), v.description]
         for v in context.verdicts],
    )
    out += ["", "## Files", ""]
    out += _table(
        ["file", "format", "records", "left out", "bytes", "SHA-256"],
        [[f"`{f.name}`", f.format, f.records,
          "; ".join(f"{n} ({reason})" for reason, n in f.left_out.items()) or 0, f.size,
          f"`{f.sha256}`"] for f in files],
    )
    out += ["", "`SHA256SUMS` lists every file's checksum (`sha256sum -c SHA256SUMS`); the zip "
            "holds all of them.", ""]
    out += ["## Fields", ""]
    for f in files:
        out += [f"### `{f.name}` ({f.format})", "", FORMAT_NOTES.get(f.format, ""), ""]
        if f.format == "parquet" and any(e.format == "jsonl" for e in files):
            continue  # the same fields, listed once under the JSONL
        out += _table(["field", "meaning"], [[f"`{name}`", text] for name, text in FORMAT_FIELDS.get(f.format, ())])
        out.append("")
    out += ["## Annotation guidelines", ""]
    # The guidelines are the project's own markdown: quoted as written, headings demoted below ours.
    guidelines = context.guidelines.strip() or "(none given)"
    out += [("##" + line) if line.startswith("#") else line for line in guidelines.splitlines()]
    out += ["", "## Licence", "", f"{context.licence or 'No licence was stated.'} Cite the release as: "
            f"{context.publisher}, *{context.project_name}*, dataset release {context.version} "
            f"({context.released_at.year}).", ""]
    return "\n".join(out)
