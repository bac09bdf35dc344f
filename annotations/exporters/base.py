"""What every writer shares: the release context, the writer interface and a few text helpers.

Pure: no Django imports. A writer takes native records (see `records.py`) one at a time and
writes bytes to a binary file object as it goes, so memory does not grow with the release.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

import orjson

Record = dict[str, Any]


@dataclass(frozen=True)
class VerdictInfo:
    """One verdict of the scheme with its mappings to the research formats."""

    code: str
    name: str
    description: str = ""
    fever: str = ""
    averitec: str = ""
    claimreview_rating: int | None = None
    claimreview_name_en: str = ""
    claimreview_name_fr: str = ""


@dataclass(frozen=True)
class ReleaseContext:
    """What a release knows besides its records: the project, the scheme, the version."""

    project_name: str
    project_slug: str
    version: str
    released_at: dt.datetime
    verdicts: tuple[VerdictInfo, ...] = ()
    scheme_name: str = ""
    organisation: str = ""
    licence: str = ""
    language: str = ""
    description: str = ""
    guidelines: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    # "pseudonym" or "name": how annotators are identified in the records.
    annotator_ids: str = "pseudonym"
    # The claim's page in the workbench (for those who may log in), as a str.format template
    # with {claim_id} and {article_id}.
    claim_url_template: str = ""
    # The public page of a claim's published fact check, as a template with {claim_id}: the
    # ClaimReview's `url` and AVeriTeC's `fact_checking_article`. Empty: none is published.
    review_url_template: str = ""

    def claim_url(self, record: Record) -> str:
        """The URL of the record's claim in the workbench, from the template."""
        return self.claim_url_template.format(
            claim_id=record["id"], article_id=record["article"]["id"]
        )

    def review_url(self, record: Record) -> str:
        """The public URL of the record's fact check, or "" when the project publishes none."""
        return self.review_url_template.format(claim_id=record["id"]) if self.review_url_template else ""

    @property
    def publisher(self) -> str:
        """Who publishes the release: the project's organisation, else the project itself."""
        return self.organisation or self.project_name


class Writer(ABC):
    """A streaming writer for one format: write() each record, then close() once.

    close() finishes the file (closing brackets, the Parquet footer) but leaves `out` open: the
    caller owns it. `written` counts records written, `left_out` counts the others by reason.
    """

    format: ClassVar[str]
    suffix: ClassVar[str]  # file name ending, e.g. "-fever.jsonl"
    media_type: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, out: BinaryIO, context: ReleaseContext) -> None:
        self.out = out
        self.context = context
        self.written = 0
        self.left_out: Counter[str] = Counter()
        self.closed = False

    def write(self, record: Record) -> bool:
        """Write one record; False (and counted in left_out) when the format cannot carry it."""
        reason = self.refuse(record)
        if reason:
            self.left_out[reason] += 1
            return False
        self.emit(record)
        self.written += 1
        return True

    def refuse(self, record: Record) -> str:
        """Why this format leaves the record out, or "" to write it."""
        return ""

    @abstractmethod
    def emit(self, record: Record) -> None:
        """Write one accepted record in the format."""

    def close(self) -> None:
        """Finish the file; a second call does nothing."""
        if not self.closed:
            self.finish()
            self.closed = True

    def finish(self) -> None:
        """Write whatever the format needs after the last record."""


def dump_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII text kept as is (readable, smaller).

    orjson encodes several times faster than the json module; on a release of a million
    annotations, encoding was the largest cost after reading the rows.
    """
    return orjson.dumps(value)


def dumps(value: Any) -> str:
    """dump_bytes as text, for writers that embed JSON in other text (CSV cells)."""
    return orjson.dumps(value).decode("utf-8")


def claim_text(record: Record) -> str:
    """The claim as a sentence: its normalised statement, else the quoted span."""
    return record.get("statement") or record["quote"]


def no_final_verdict(record: Record) -> bool:
    """Whether the record lacks a final verdict (only in releases that include unadjudicated claims)."""
    return record.get("verdict") is None
