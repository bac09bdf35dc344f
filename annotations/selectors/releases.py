"""Read paths for dataset releases: the releases themselves, and the native records a release holds.

The records stream from the database: one server-side cursor over the claims (PostgreSQL; SQLite
steps its statement lazily), and per chunk of claims two queries, one for their annotations and
one for their gold evidence, as plain tuples (no model instances: a release can hold millions of
annotations). Memory is bounded by the chunk, never by the release.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any, overload

from django.db import connection
from django.db.models import CharField, F, Func, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext

from ..access import Capability, NotFound, User, require
from ..exporters import FORMATS
from ..exporters.records import claim_agreement
from ..models import (
    Adjudication,
    Annotation,
    Article,
    CheckQuestion,
    Claim,
    ClaimRelation,
    ClaimStatus,
    DatasetRelease,
    Evidence,
    Project,
    QuestionAnswer,
    ReleaseFile,
    Verdict,
)
from ..pseudonyms import pseudonym

RELEASE_CHUNK = 2_000
# The formats a release can hold, in the order files are listed.
RELEASE_FORMATS: tuple[str, ...] = FORMATS


@dataclass(frozen=True)
class ReleaseFilters:
    """Which claims a release holds; the service validates them (services.releases)."""

    include_unadjudicated: bool = False
    # Least share of a claim's annotators whose verdict is the final one (0..1).
    min_agreement: float | None = None
    # Final verdict codes; empty means every verdict.
    verdicts: tuple[str, ...] = ()
    # On the claim's date: its statement date, else its article's publication date; inclusive.
    since: dt.date | None = None
    until: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON for Job.params and DatasetRelease.filters: dates as ISO, defaults left out."""
        out: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None or value is False or value == ():
                continue
            out[name] = value.isoformat() if isinstance(value, dt.date) else (
                list(value) if isinstance(value, tuple) else value
            )
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReleaseFilters:
        """Back from as_dict() (already validated data)."""
        return cls(
            include_unadjudicated=bool(data.get("include_unadjudicated", False)),
            min_agreement=data.get("min_agreement"),
            verdicts=tuple(data.get("verdicts") or ()),
            since=dt.date.fromisoformat(data["since"]) if data.get("since") else None,
            until=dt.date.fromisoformat(data["until"]) if data.get("until") else None,
        )


# --- releases and their files -------------------------------------------------------------------


def releases_for_user(user: User, project: Project) -> QuerySet[DatasetRelease]:
    """The project's releases, newest first, with their files (two queries when listed)."""
    require(user, project, Capability.RELEASES)
    return (
        DatasetRelease.objects.filter(project=project)
        .select_related("project", "created_by")
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
        .order_by("-created_at", "-id")
    )


def release_get_for_user(user: User, release_id: int) -> DatasetRelease:
    """One release with its project and files, for those who may see releases."""
    release = (
        DatasetRelease.objects.select_related("project", "created_by", "job")
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        raise NotFound(gettext("No such release."))
    require(user, release.project_id, Capability.RELEASES)
    return release


def release_file_get_for_user(user: User, file_id: int) -> ReleaseFile:
    """One file of a release (with its release and project), for those who may see releases."""
    item = ReleaseFile.objects.select_related("release__project").filter(pk=file_id).first()
    if item is None:
        raise NotFound(gettext("No such file."))
    require(user, item.release.project_id, Capability.RELEASES)
    return item


# --- the records of a release ---------------------------------------------------------------------


def _release_claims(project: Project, filters: ReleaseFilters) -> QuerySet[Claim]:
    """The claims the filters select, before the agreement threshold (applied per record)."""
    claims = Claim.objects.filter(article__project=project, status=ClaimStatus.ACCEPTED)
    if not filters.include_unadjudicated:
        claims = claims.filter(adjudication__isnull=False)
    if filters.verdicts:
        claims = claims.filter(
            adjudication__verdict__scheme_id=project.scheme_id,
            adjudication__verdict__code__in=filters.verdicts,
        )
    if filters.since or filters.until:
        claims = claims.annotate(claim_date=Coalesce("statement_date", "article__published_on"))
        if filters.since:
            claims = claims.filter(claim_date__gte=filters.since)
        if filters.until:
            claims = claims.filter(claim_date__lte=filters.until)
    return claims


class IsoUtc(Func):
    """A datetime column as ISO 8601 text in UTC (2025-08-20T10:00:00.000000+00:00).

    Formatted by the database: parsing a million timestamps into datetimes only to print them
    again is a tenth of a big release's time.
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection,
            template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores UTC datetimes as "YYYY-MM-DD HH:MM:SS[.ffffff]" text in SQLite.
        return self.as_sql(
            compiler, connection, template="replace(%(expressions)s, ' ', 'T') || '+00:00'", **extra
        )


def _text(field: str) -> Cast:
    """A date column as its ISO text (YYYY-MM-DD), cast by the database."""
    return Cast(field, output_field=CharField())


_CLAIM_FIELDS = {
    "c_article_published_on": _text("article__published_on"),
    "c_statement_date": _text("statement_date"),
    "c_decided_at": IsoUtc(F("adjudication__decided_at")),
}
_CLAIM_COLUMNS = (
    "pk", "article_id", "article__external_id", "article__title", "article__url",
    "article__outlet__name", "article__author", "c_article_published_on", "article__language",
    "start", "end", "quote", "statement", "speaker", "asserted_by_article", "c_statement_date",
    "kind", "adjudication__pk", "adjudication__verdict_id", "adjudication__method", "adjudication__notes",
    "adjudication__adjudicator_id", "c_decided_at",
)
_EVIDENCE_FIELDS = {"e_published_on": _text("evidence__published_on")}
_EVIDENCE_COLUMNS = (
    "adjudication_id", "evidence_id", "evidence__url", "evidence__title", "evidence__publisher",
    "e_published_on", "evidence__passage", "evidence__question", "evidence__stance",
    "evidence__linked_claim_id",
    "evidence__linked_article_id",
)


def _verdict_dict(verdict: Verdict, language: str) -> dict[str, Any]:
    french = language.lower().startswith("fr")
    name = (verdict.claimreview_name_fr if french else "") or verdict.claimreview_name_en
    return {
        "code": verdict.code, "name": verdict.name, "fever": verdict.fever_label,
        "averitec": verdict.averitec_label, "claimreview_rating": verdict.claimreview_rating,
        "claimreview_name": name,
    }


class _Names:
    """Annotator ids as the release shows them: pseudonyms (cached per user) or user names."""

    def __init__(self, project: Project) -> None:
        self.show_names = project.show_annotator_names
        self.salt = project.pseudonym_salt
        self.labels: dict[int, str | None] = {}  # user id → label, filled as users appear

    def __call__(self, user_id: int | None, username: str | None = None) -> str | None:
        if user_id is None:
            return None
        label = self.labels.get(user_id)
        if label is None:
            label = self.labels[user_id] = username if self.show_names else pseudonym(self.salt, user_id)
        return label


class _Verdicts:
    """Verdicts by id, as record dicts: the project's scheme up front, any other on demand."""

    def __init__(self, project: Project) -> None:
        self.language = project.language
        self._by_id = {
            v.pk: _verdict_dict(v, self.language) for v in Verdict.objects.filter(scheme_id=project.scheme_id)
        }
        self.codes = {pk: v["code"] for pk, v in self._by_id.items()}  # id → code

    @overload
    def get(self, verdict_id: int) -> dict[str, Any]: ...
    @overload
    def get(self, verdict_id: None) -> None: ...
    def get(self, verdict_id: int | None) -> dict[str, Any] | None:
        if verdict_id is None:
            return None
        found = self._by_id.get(verdict_id)
        if found is None:
            # A verdict of a scheme the project used before: rare, one query each.
            found = self._by_id[verdict_id] = _verdict_dict(Verdict.objects.get(pk=verdict_id), self.language)
            self.codes[verdict_id] = found["code"]
        return found


def _among(ids: list[int]) -> list[int] | RawSQL:
    """The right side of an `__in` over many ids.

    PostgreSQL gets them as one array parameter: a list of thousands of placeholders costs more
    to build, quote and parse than the query itself takes to run.
    """
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def release_records(
    user: User,
    project: Project,
    filters: ReleaseFilters | None = None,
    *,
    chunk_size: int = RELEASE_CHUNK,
) -> Iterator[dict[str, Any]]:
    """The native records of a release of the project, streamed (see exporters/records.py).

    Needs MANAGE: records show every annotator's work. Two queries per chunk of claims besides
    the claims' own cursor. Claims come in reading order: by article, then by span.
    """
    require(user, project, Capability.MANAGE)
    filters = filters or ReleaseFilters()
    names = _Names(project)
    verdicts = _Verdicts(project)
    columns = _CLAIM_COLUMNS + (("adjudication__adjudicator__username",) if names.show_names else ())
    rows = (
        _release_claims(project, filters)
        .annotate(**_CLAIM_FIELDS)
        .order_by("article_id", "start", "end", "pk")
        .values_list(*columns)
        .iterator(chunk_size=chunk_size)
    )
    for chunk in _chunks(rows, chunk_size):
        yield from _chunk_records(chunk, filters, names, verdicts)


def _chunk_records(
    chunk: Sequence[tuple], filters: ReleaseFilters, names: _Names, verdicts: _Verdicts
) -> Iterator[dict[str, Any]]:
    """Records of one chunk of claim rows: one query for annotations, one for gold evidence."""
    claim_ids = [row[0] for row in chunk]
    annotation_fields = ["claim_id", "annotator_id", "verdict_id", "confidence", "rationale"]
    if names.show_names:
        annotation_fields.append("annotator__username")
    # The hot loop of a release (five annotations a claim, a million in a big project): plain
    # dict lookups, no calls.
    code_of = verdicts.codes
    label_of = names.labels
    annotations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    given: dict[int, list[str]] = defaultdict(list)
    for claim_id, annotator_id, verdict_id, confidence, rationale, *username in (
        Annotation.objects.filter(claim_id__in=_among(claim_ids))
        .order_by("claim_id", "annotator_id")
        .values_list(*annotation_fields)
    ):
        code = None
        if verdict_id is not None:
            code = code_of.get(verdict_id) or verdicts.get(verdict_id)["code"]
            given[claim_id].append(code)
        label = label_of.get(annotator_id) or names(annotator_id, *username)
        annotations[claim_id].append(
            {"annotator": label, "verdict": code, "confidence": confidence, "rationale": rationale}
        )
    adjudication_ids = [row[17] for row in chunk if row[17] is not None]
    gold: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if adjudication_ids:
        through = Adjudication.gold_evidence.through
        for (adj_id, ev_id, url, title, publisher, published_on, passage, question, stance,
             linked_claim, linked_article) in (
            through.objects.filter(adjudication_id__in=_among(adjudication_ids))
            .annotate(**_EVIDENCE_FIELDS)
            .order_by("adjudication_id", "evidence_id")
            .values_list(*_EVIDENCE_COLUMNS)
        ):
            gold[adj_id].append({
                "id": ev_id, "url": url, "title": title, "publisher": publisher,
                "published_on": published_on, "passage": passage, "question": question,
                "stance": stance,
                "linked_claim_id": linked_claim, "linked_article_id": linked_article,
            })
    questions, relations = _graph_of(claim_ids)
    min_agreement = filters.min_agreement
    for row in chunk:
        (claim_id, article_id, external_id, title, url, outlet, author, published_on, language,
         start, end, quote, statement, speaker, asserted_by_article, statement_date, kind, adj_id,
         verdict_id, method, notes, adjudicator_id, decided_at) = row[:23]
        final = verdicts.get(verdict_id)
        agreement = claim_agreement(given.get(claim_id, ()), final["code"] if final else None)
        if min_agreement is not None and (
            agreement["share_agreeing"] is None or agreement["share_agreeing"] < min_agreement
        ):
            continue
        yield {
            "id": claim_id,
            "article": {
                "id": article_id, "external_id": external_id, "title": title, "url": url,
                "outlet": outlet or "", "author": author, "published_on": published_on,
                "language": language,
            },
            "start": start, "end": end, "quote": quote, "statement": statement, "speaker": speaker,
            "asserted_by_article": bool(asserted_by_article),
            "statement_date": statement_date, "kind": kind,
            # A copy: records are the caller's to keep or change, the cached verdict is not.
            "verdict": dict(final) if final else None,
            "adjudication": None if adj_id is None else {
                "method": method, "notes": notes,
                "adjudicator": names(adjudicator_id, *row[23:]),
                "decided_at": decided_at,
            },
            "gold_evidence": gold.get(adj_id, []) if adj_id is not None else [],
            "annotations": annotations.get(claim_id, []),
            "agreement": agreement,
            "questions": questions.get(claim_id, []),
            "relations": relations.get(claim_id, []),
        }


def _graph_of(claim_ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """The claims' check questions (with every answer to them) and links, two queries a chunk."""
    questions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    mine = list(
        QuestionAnswer.objects.filter(claim_id__in=_among(claim_ids))
        .order_by("claim_id", "question_id").values_list("claim_id", "question_id", "answer")
    )
    if mine:
        question_ids = sorted({q for _, q, _ in mine})
        texts = dict(
            (pk, (text, text_en)) for pk, text, text_en in
            CheckQuestion.objects.filter(pk__in=question_ids).values_list("pk", "text", "text_en")
        )
        # Every answer to these questions, from any claim: AVeriTeC reads the other claims'
        # answers as the question's evidence (their quote, article and URL).
        others: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for question_id, claim_id, answer, quote, article_id, url in (
            QuestionAnswer.objects.filter(question_id__in=question_ids)
            .exclude(claim__status=ClaimStatus.REJECTED)
            .order_by("question_id", "claim_id")
            .values_list("question_id", "claim_id", "answer", "claim__quote", "claim__article_id", "claim__article__url")
        ):
            others[question_id].append({
                "claim_id": claim_id, "answer": answer, "quote": quote, "article_id": article_id, "url": url,
            })
        for claim_id, question_id, answer in mine:
            text, text_en = texts[question_id]
            questions[claim_id].append({
                "id": question_id, "text": text, "text_en": text_en, "answer": answer,
                "answered_by": [o for o in others[question_id] if o["claim_id"] != claim_id],
            })
    relations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for source, target, kind in (
        ClaimRelation.objects.filter(Q(source_id__in=_among(claim_ids)) | Q(target_id__in=_among(claim_ids)))
        .order_by("pk").values_list("source_id", "target_id", "kind")
    ):
        relations[source].append({"kind": kind, "claim_id": target, "direction": "out"})
        relations[target].append({"kind": kind, "claim_id": source, "direction": "in"})
    return questions, relations


def release_articles(
    user: User, project: Project, article_ids: Iterable[int], *, chunk_size: int = 200
) -> Iterator[dict[str, Any]]:
    """The given articles of the project with their full bodies, by id, one query per chunk.

    Needs MANAGE, like the records. Bodies are large: chunks stay small so memory stays flat.
    """
    require(user, project, Capability.MANAGE)
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), chunk_size):
        rows = (
            Article.objects.filter(project=project, pk__in=ids[start:start + chunk_size])
            .annotate(a_published_on=_text("published_on"))
            .order_by("pk")
            .values_list("pk", "external_id", "title", "outlet__name", "author", "url",
                         "a_published_on", "language", "body")
        )
        for pk, external_id, title, outlet, author, url, published_on, language, body in rows:
            yield {
                "id": pk, "external_id": external_id, "title": title, "outlet": outlet or "",
                "author": author, "url": url, "published_on": published_on, "language": language,
                "body": body,
            }


def release_relations(
    user: User, project: Project, released: Mapping[int, str | None]
) -> Iterator[dict[str, Any]]:
    """The project's claim links that touch a released claim, with both claims' text and verdict.

    `released` maps each released claim's id to its final verdict code (or None). A claim outside
    the release has `released: False` and no verdict: the writers count such links as left out.
    One query (links are few next to claims).
    """
    require(user, project, Capability.MANAGE)
    names = _Names(project)
    columns = [
        "pk", "kind", "note", "created_by_id", "r_created_at",
        "source_id", "source__statement", "source__quote", "source__article_id",
        "target_id", "target__statement", "target__quote", "target__article_id",
    ]
    if names.show_names:
        columns.append("created_by__username")
    rows = (
        ClaimRelation.objects.filter(source__article__project=project)
        .annotate(r_created_at=IsoUtc(F("created_at")))
        .order_by("pk")
        .values_list(*columns)
        .iterator(chunk_size=2_000)
    )
    for (pk, kind, note, by, created_at, s_id, s_statement, s_quote, s_article,
         t_id, t_statement, t_quote, t_article, *username) in rows:
        if s_id not in released and t_id not in released:
            continue
        yield {
            "id": pk, "kind": kind, "note": note, "created_by": names(by, *username),
            "created_at": created_at,
            "source": {"id": s_id, "statement": s_statement, "quote": s_quote, "article_id": s_article,
                       "released": s_id in released, "verdict": released.get(s_id)},
            "target": {"id": t_id, "statement": t_statement, "quote": t_quote, "article_id": t_article,
                       "released": t_id in released, "verdict": released.get(t_id)},
        }


def release_question_pairs(
    user: User, project: Project, released: Mapping[int, str | None]
) -> Iterator[dict[str, Any]]:
    """Pairs of released claims that answer one check question yes and no: contradictions the
    claim graph holds without a link between them. Shaped as release_relations' rows (kind
    "contradicts", the question instead of a link id). One query, answers by question.
    """
    require(user, project, Capability.MANAGE)
    rows = (
        QuestionAnswer.objects.filter(question__project=project, answer__in=("yes", "no"))
        .order_by("question_id", "claim_id")
        .values_list("question_id", "question__text", "claim_id", "answer", "claim__statement",
                     "claim__quote", "claim__article_id")
        .iterator(chunk_size=2_000)
    )

    def flush(question_id: int, text: str, answers: list[tuple]) -> Iterator[dict[str, Any]]:
        yes = [a for a in answers if a[1] == "yes"]
        no = [a for a in answers if a[1] == "no"]
        for a in yes:
            for b in no:
                first, second = sorted((a, b))
                yield {
                    "id": None, "kind": "contradicts", "note": "", "created_by": None, "created_at": None,
                    "question": {"id": question_id, "text": text},
                    "source": _side(first, released), "target": _side(second, released),
                }

    current: int | None = None
    text = ""
    answers: list[tuple] = []
    for question_id, question_text, claim_id, answer, statement, quote, article_id in rows:
        if claim_id not in released:
            continue
        if question_id != current:
            if current is not None:
                yield from flush(current, text, answers)
            current, text, answers = question_id, question_text, []
        answers.append((claim_id, answer, statement, quote, article_id))
    if current is not None:
        yield from flush(current, text, answers)


def _side(answer: tuple, released: Mapping[int, str | None]) -> dict[str, Any]:
    claim_id, _, statement, quote, article_id = answer
    return {"id": claim_id, "statement": statement, "quote": quote, "article_id": article_id,
            "released": True, "verdict": released.get(claim_id)}


def release_evidence_count(user: User, project: Project, released: Mapping[int, str | None]) -> int:
    """How many evidence items the released claims have, gold or not (one query, ids only)."""
    require(user, project, Capability.MANAGE)
    claim_ids = Evidence.objects.filter(claim__article__project=project).values_list("claim_id", flat=True)
    return sum(1 for claim_id in claim_ids.iterator(chunk_size=10_000) if claim_id in released)


def release_record_count(user: User, project: Project, filters: ReleaseFilters | None = None) -> int:
    """How many claims the filters select before the agreement threshold: a release job's total."""
    require(user, project, Capability.MANAGE)
    return _release_claims(project, filters or ReleaseFilters()).count()


__all__ = [
    "RELEASE_CHUNK", "RELEASE_FORMATS", "ReleaseFilters", "release_articles", "release_file_get_for_user",
    "release_evidence_count", "release_get_for_user", "release_question_pairs", "release_record_count", "release_records",
    "release_relations",
    "releases_for_user",
]
