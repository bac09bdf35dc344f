"""The dataset card (README.md of a release): what, when, counts, agreement, scheme, licence, fields."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import averitec, claimreview, corpus, fever, tabular
from .base import ReleaseContext
from .licences import OTHER, licence_of
from .records import NATIVE_FIELDS

FORMAT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "jsonl": NATIVE_FIELDS,
    "parquet": NATIVE_FIELDS,
    "csv": tabular.COLUMNS,
    "xlsx": tabular.COLUMNS,
    "fever": fever.FIELDS,
    "averitec": averitec.FIELDS,
    "claimreview": claimreview.FIELDS,
} | {
    name: corpus.TABLE_FIELDS[name.removesuffix("-parquet")] for name in corpus.TABLE_WRITERS
}
# Hub configs: (config name, the files that load as it, best first). ClaimReview (one JSON-LD
# document) and FEVER (evidence mixes numbers and text in one list) are not tables.
CONFIGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("claims", ("parquet", "jsonl", "csv")),
    ("articles", ("articles-parquet", "articles")),
    ("relations", ("relations-parquet", "relations")),
    ("pairs", ("pairs-parquet", "pairs")),
)
SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
         (10_000_000, "1M<n<10M"))

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
        "run them as formulas: for the exact text, read the workbook (.xlsx), the JSONL or the "
        "Parquet. LibreOffice asks for the character set: choose UTF-8."
    ),
    "xlsx": (
        "The CSV's columns as an Excel workbook (sheet `claims`) holding the text exactly: every "
        "text cell is text, never a formula, so nothing is changed; empty text is an empty cell. "
        "Excel and LibreOffice open it as it is. Claims with a text longer than a cell holds "
        "(32,767 characters) or with control characters are left out and counted."
    ),
    "fever": "FEVER-style JSONL; claims whose final verdict has no FEVER label are left out.",
    "averitec": (
        "AVeriTeC-style JSON array; claims whose final verdict has no AVeriTeC label are left out."
    ),
    "claimreview": (
        'One JSON-LD document, a schema.org `DataFeed` whose `dataFeedElement` holds one '
        "ClaimReview per claim, as fact-check feeds publish them; claims whose verdict has no "
        "ClaimReview rating are left out."
    ),
} | {
    name: corpus.TABLE_NOTES[name.removesuffix("-parquet")]
    + (" Parquet, the same rows and fields as the JSONL." if name.endswith("-parquet") else "")
    for name in corpus.TABLE_WRITERS
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


def size_category(n: int) -> str:
    """The Hub's size category of a dataset of n records."""
    return next((name for limit, name in SIZES if n < limit), "n>1T")


def _front_matter(context: ReleaseContext, files: Sequence[FileEntry], counts: Mapping[str, Any]) -> list[str]:
    """YAML front matter for dataset hubs (Hugging Face's metadata), scalars as JSON, which YAML reads."""
    lines = ["---"]
    licence = licence_of(context.licence)
    if licence is not None:
        lines.append(f"license: {json.dumps(licence.hub)}")
    elif context.licence.strip():
        # Not a licence the Hub knows: "other", named; the card's Licence section quotes it.
        lines += [f"license: {OTHER}", f"license_name: {json.dumps(_licence_id(context.licence))}"]
    languages = list(counts.get("languages") or ([context.language] if context.language else []))
    if languages:
        lines.append("language:")
        lines += [f"- {json.dumps(code.split('-')[0].lower())}" for code in languages]
    lines.append(f"pretty_name: {json.dumps(f'{context.project_name} {context.version}')}")
    lines += [
        "task_categories:", "- text-classification", "task_ids:", "- fact-checking",
        "annotations_creators:", "- expert-generated", "language_creators:", "- found",
        "multilinguality:", "- " + ("multilingual" if len(languages) > 1 else "monolingual"),
        "size_categories:", f"- {json.dumps(size_category(int(counts.get('claims', 0))))}",
        "source_datasets:", "- original",
    ]
    by_format = {f.format: f for f in files}
    configs = []
    for name, formats in CONFIGS:
        found = next((by_format[f] for f in formats if f in by_format), None)
        if found is not None:
            configs.append((name, found))
    if configs:
        lines.append("configs:")
        for i, (name, entry) in enumerate(configs):
            lines += [f"- config_name: {name}"] + (["  default: true"] if i == 0 else []) + [
                "  data_files:", "  - split: train", f"    path: {json.dumps(entry.name)}",
            ]
    lines.append("---")
    return lines


def _licence_id(text: str) -> str:
    """A licence name as the Hub's license_name wants it: lowercase words joined by hyphens."""
    return "-".join("".join(c if c.isalnum() or c == "." else " " for c in text.lower()).split()) or "other"


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
    out = _front_matter(context, files, counts)
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
    ] + ([["claims without a final verdict", counts["unadjudicated"]]] if counts.get("unadjudicated") else [])
      + ([["links between released claims", counts["relations"]]] if "relations" in counts else [])
      + ([["accepted claims of the project not in this release (no final verdict, or filtered out)",
           counts["accepted_claims_not_released"]]] if counts.get("accepted_claims_not_released") else [])
      + ([["evidence of released claims not kept as gold (in no file)", counts["evidence_not_gold"]]]
         if counts.get("evidence_not_gold") else []))
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
    out += ["", "## Reading the release together", "",
            "Claims (`id`) are what the other files refer to: `article.id` and `start`/`end` index "
            "the article bodies of the articles file (`body[start:end] == quote`); the relations "
            "and pairs files name claims by id; FEVER's `id`, AVeriTeC's `claim_id` and "
            "ClaimReview's `identifier` are the same ids. A claim's `relations[]` and `questions[]` "
            "may name claims outside this release (not adjudicated, or filtered out)."]
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
        twin = "jsonl" if f.format == "parquet" else f.format.removesuffix("-parquet")
        if twin != f.format and any(e.format == twin for e in files):
            continue  # the same fields, listed once under the JSONL
        out += _table(["field", "meaning"], [[f"`{name}`", text] for name, text in FORMAT_FIELDS.get(f.format, ())])
        out.append("")
    out += ["## Annotation guidelines", ""]
    # The guidelines are the project's own markdown: quoted as written, headings demoted below ours.
    guidelines = context.guidelines.strip() or "(none given)"
    out += [("##" + line) if line.startswith("#") else line for line in guidelines.splitlines()]
    known = licence_of(context.licence)
    stated = f"{known.name} ({known.spdx}, {known.url})." if known else (context.licence or "No licence was stated.")
    out += ["", "## Licence", "", f"{stated} Cite the release as: "
            f"{context.publisher}, *{context.project_name}*, dataset release {context.version} "
            f"({context.released_at.year}).", ""]
    return "\n".join(out)
