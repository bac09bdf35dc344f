"""Reference fact checks: importing fact-check feeds, and citing a fact check as a claim's evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..access import AuthUser, Capability, require
from ..importers.claimreview import FactCheckRecord, read_claimreview
from ..importers.reader import Limits, RecordError, printable, size_text
from ..importers.sniff import GZIP_MAGIC, Gunzipped, Unreadable
from ..models import Claim, Evidence, Project, ReferenceFactCheck, Stance
from .jobs import Progress
from .work import evidence_add

EMBED_BATCH = 256
# Fields a re-imported review refreshes (a publisher may revise its rating).
_UPDATED = (
    "claim_reviewed", "claimant", "claim_date", "title", "publisher", "publisher_site", "rating_text",
    "rating_value", "best_rating", "worst_rating", "language", "review_date", "raw",
)


@dataclass
class FactCheckReport:
    """What a feed import did; shaped like an article import's report (the job page reads both)."""

    source: str
    records: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    duplicate_lines: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source, "factchecks": True, "records": self.records, "created": self.created,
            "updated": self.updated, "duplicates": self.duplicates, "duplicate_lines": self.duplicate_lines,
            "claims": 0, "relations": 0, "failed_urls": [],
        }


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _read(path: Path, limits: Limits) -> list[FactCheckRecord | RecordError]:
    """Every item of the feed (a .gz is inflated, at most limits.unzipped_bytes)."""
    name = printable(path.name)
    cap = limits.unzipped_bytes
    with path.open("rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        fh = cast(BinaryIO, Gunzipped(raw, cap, f"unpacks to more than {size_text(cap)}")) if gzipped else raw
        try:
            data = fh.read(cap + 1)
        except Unreadable as exc:
            return [RecordError(name, None, None, str(exc))]
    return list(read_claimreview(name, data, limits))


def factchecks_import(
    *,
    project: Project,
    path: Path | str,
    by: AuthUser,
    job_id: int | None = None,
    progress: Progress = _no_progress,
) -> FactCheckReport:
    """Import a fact-check feed's reviews as the project's reference fact checks, or nothing.

    A review whose URL the project holds already refreshes it (feeds are re-published with revised
    ratings); a URL repeated in the feed is a duplicate, reported and skipped.
    """
    from .imports import MAX_REPORTED, ImportRefused, import_limits  # imports dispatches here

    require(by, project, Capability.MANAGE)
    path = Path(path)
    name = printable(path.name)
    items = _read(path, import_limits())
    errors = [item for item in items if isinstance(item, RecordError)]
    if errors:
        raise ImportRefused(errors[:MAX_REPORTED], len(errors), name)
    records = [item for item in items if isinstance(item, FactCheckRecord)]
    if not records:
        raise ImportRefused([RecordError(name, None, None, "contains no ClaimReview")], 1, name)
    report = FactCheckReport(source=name, records=len(records))
    progress("importing", 0, len(records))
    unique: dict[str, tuple[int, FactCheckRecord]] = {}
    for position, record in enumerate(records):
        if record.url in unique:
            report.duplicates += 1
            if len(report.duplicate_lines) < MAX_REPORTED:
                report.duplicate_lines.append(
                    {"file": record.file, "line": record.line, "title": f"{record.where}: {record.url}"[:120]}
                )
            continue
        unique[record.url] = (position, record)
    vectors = _embed_new(project, unique, progress)
    with transaction.atomic():
        # The same lock as article imports: two imports of one feed cannot both create a URL.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        existing = {fc.url: fc for fc in ReferenceFactCheck.objects.filter(project=project, url__in=list(unique))}
        new: list[ReferenceFactCheck] = []
        changed: list[ReferenceFactCheck] = []
        for url, (position, record) in unique.items():
            values = {name: getattr(record, name) for name in _UPDATED}
            if url in vectors:
                values |= vectors[url]
            row = existing.get(url)
            if row is None:
                new.append(ReferenceFactCheck(
                    project=project, url=url, import_job_id=job_id, import_position=position,
                    created_by=by, **values,
                ))
            elif any(getattr(row, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                changed.append(row)
        bulk_create_with_history(new, ReferenceFactCheck, default_user=by)
        if changed:
            fields = list(_UPDATED) + (["embedding", "embedder"] if vectors else [])
            bulk_update_with_history(changed, ReferenceFactCheck, fields, default_user=by)
    report.created, report.updated = len(new), len(changed)
    progress("importing", len(records), len(records))
    return report


def _embed_new(
    project: Project, unique: dict[str, tuple[int, FactCheckRecord]], progress: Progress
) -> dict[str, dict]:
    """Vectors of the claims reviewed that the project does not hold embedded yet, by URL.

    Computed here, in the worker, so that matching a claim in a web request embeds nothing.
    """
    from ..suggest.embeddings import default_embedder  # the model loads on first use

    embedder = default_embedder()
    kept = dict(
        ReferenceFactCheck.objects.filter(project=project, url__in=list(unique), embedder=embedder.name)
        .values_list("url", "claim_reviewed")
    )
    todo = [(url, record.claim_reviewed) for url, (_, record) in unique.items() if kept.get(url) != record.claim_reviewed]
    out: dict[str, dict] = {}
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        rows = embedder.embed([text for _, text in batch])
        for (url, _), row in zip(batch, rows):
            out[url] = {"embedding": row.astype("<f4").tobytes(), "embedder": embedder.name}
        progress("embedding", start + len(batch), len(todo))
    return out


# Ratings given as words only (Google's textualRating): the common unqualified verdicts, in the
# languages fact-checkers publish most; anything qualified ("Mostly false", "Trompeur") is context.
_FALSE = frozenset({
    "false", "fake", "incorrect", "wrong", "pants on fire", "faux", "fausse", "infox", "falso", "falsa",
    "falsch", "fałsz", "onwaar", "sahte",
})
_TRUE = frozenset({"true", "correct", "accurate", "vrai", "vraie", "exact", "verdadero", "verdadeiro", "vero", "wahr"})


def stance_for(factcheck: ReferenceFactCheck) -> str:
    """The stance a fact check's rating implies: the lower third of its scale refutes, the top third
    supports, the rest is context; without numbers, a plain true or false in words decides.
    The person linking it may choose otherwise."""
    value, best, worst = factcheck.rating_value, factcheck.best_rating, factcheck.worst_rating
    if value is None or best is None or worst is None or best == worst:
        word = factcheck.rating_text.strip().strip(".!").lower()
        return Stance.REFUTES if word in _FALSE else Stance.SUPPORTS if word in _TRUE else Stance.CONTEXT
    position = (value - worst) / (best - worst)
    if position <= 1 / 3:
        return Stance.REFUTES
    if position >= 2 / 3:
        return Stance.SUPPORTS
    return Stance.CONTEXT


def factcheck_link_as_evidence(
    *, claim: Claim, factcheck: ReferenceFactCheck, by: AuthUser, stance: str | None = None
) -> Evidence:
    """Cite a reference fact check as the claim's evidence: its review URL, rating and title."""
    if factcheck.project_id != claim.article.project_id:
        raise ValidationError({"factcheck": gettext("The fact check belongs to another project.")})
    if Evidence.objects.filter(claim=claim, url=factcheck.url, added_by=by).exists():
        raise ValidationError({"factcheck": gettext("This fact check is already evidence for the claim.")})
    rating = factcheck.rating_text or (
        f"{factcheck.rating_value:g}/{factcheck.best_rating:g}"
        if factcheck.rating_value is not None and factcheck.best_rating is not None else ""
    )
    passage = " — ".join(part for part in (rating, factcheck.title or factcheck.claim_reviewed) if part)
    return evidence_add(
        claim=claim, by=by, stance=stance or stance_for(factcheck), url=factcheck.url,
        title=(factcheck.title or factcheck.claim_reviewed)[:500], publisher=factcheck.publisher,
        published_on=factcheck.review_date, passage=passage,
    )


def factcheck_delete(*, factcheck: ReferenceFactCheck, by: AuthUser) -> None:
    """Remove a reference fact check (managers); evidence already citing it keeps its URL."""
    require(by, factcheck.project_id, Capability.MANAGE)
    factcheck._history_user = by  # type: ignore[attr-defined]
    factcheck.delete()
