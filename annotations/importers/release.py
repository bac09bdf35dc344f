"""Read a Workbench dataset release back as articles and claims. Pure: no Django.

A release's claims file (`<slug>-<version>.jsonl`, native records: exporters/records.py) carries
each claim's span, fields, verdict and annotations but not the article texts; those are in its
articles table (`<slug>-<version>-articles.jsonl`, exporters/corpus.py). Both are found by
content, not by name: in the release's zip as downloaded (any formats; the other files are
ignored), in any zip or folder holding the two files, and a claims file given alone is refused
naming the articles file it needs.

Each article of the table becomes an ArticleRecord; each claim a SpanRecord keyed by its release
id, with its statement, speaker, date and kind; what a Claim has no field for (the final verdict,
the adjudication, the annotators' verdicts and rationales, the gold evidence) is kept on the
article, metadata["imported_annotations"], as for the other tools (importers.tools). The links
between claims (the records' `relations`, outgoing) become LinkRecords by claim id, across
articles: the import service writes those whose two ends it imported.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from .reader import (
    RATIO_FLOOR,
    UNPACK_ERRORS,
    ArticleRecord,
    Item,
    Limits,
    LinkRecord,
    RecordError,
    SpanRecord,
    _json_problem,
    _parse_date,
    build_record,
    decoded_lines,
    printable,
    size_text,
    unstorable,
)
from .tools import PROVENANCE_KEY

TOOL = "workbench-release"
# A release's first line is read whole to tell what the file is; a longer one is not looked at.
HEAD_BYTES = 1 << 20
# The .jsonl files of a zip or folder looked at to find the release's two (it has five).
MAX_MEMBERS = 100
RELATION_KINDS = ("same", "contradicts", "supports", "related")
_SPEAKER_MAX = 300  # Claim.speaker's column
_KIND_MAX = 24  # Claim.kind's column
# What the claims file keeps of a claim that a Claim has no field for (kept in the metadata).
_KEPT = ("verdict", "adjudication", "annotations", "gold_evidence", "agreement")
_ARTICLE_FIELDS = ("external_id", "title", "outlet", "author", "url", "published_on", "language", "body")


def _first_object(head: bytes) -> dict | None:
    """The first line of a JSONL sample as an object, or None when it is not one (or is cut)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    end = text.find(b"\n")
    line = text if end < 0 else text[:end]
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def looks_like_records(head: bytes) -> bool:
    """Whether a JSONL sample is a release's claims file (native records)."""
    raw = _first_object(head)
    return (
        raw is not None and isinstance(raw.get("article"), dict) and "id" in raw["article"]
        and {"id", "start", "end", "quote", "verdict", "annotations"} <= set(raw)
    )


def looks_like_articles(head: bytes) -> bool:
    """Whether a JSONL sample is a release's articles table."""
    raw = _first_object(head)
    return raw is not None and "article" not in raw and {"id", "external_id", "title", "body"} <= set(raw)


def articles_name(records: str) -> str:
    """The name of the articles table that goes with a claims file of this name."""
    path = Path(records.rsplit(":", 1)[-1])
    return f"{path.stem}-articles.jsonl"


@dataclass
class _Found:
    """The claims and articles files of a release, as paths to read and names to report."""

    records: tuple[Path, str] | None = None
    articles: tuple[Path, str] | None = None
    problem: RecordError | None = None


def _classify(found: _Found, name: str, label: str, head: bytes, path: Path | None) -> None:
    """Note the file as the claims or the articles file when its first line says it is one."""
    for kind, check in (("records", looks_like_records), ("articles", looks_like_articles)):
        if check(head):
            if getattr(found, kind) is not None and found.problem is None:
                other = getattr(found, kind)[1]
                what = "claims" if kind == "records" else "articles"
                found.problem = RecordError(
                    name, None, None, f"holds two release {what} files ({other} and {label}); keep one",
                )
            setattr(found, kind, (path or Path(), label))


def _jsonl_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The .jsonl files of a zip, the first MAX_MEMBERS by name (a release has five)."""
    return sorted(
        (m for m in archive.infolist()
         if not m.is_dir() and m.filename.lower().endswith(".jsonl") and not m.filename.startswith("__MACOSX/")),
        key=lambda m: m.filename,
    )[:MAX_MEMBERS]


def _member_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's first non-empty line (at most HEAD_BYTES), which tells what it is."""
    try:
        with archive.open(member) as fh:
            for _ in range(100):
                line = fh.readline(HEAD_BYTES)
                if line.strip() or not line:
                    return line
    except UNPACK_ERRORS:
        pass  # the full read says why
    return b""


def zip_is_release(fh: IO[bytes] | Path) -> bool:
    """Whether a zip (path or open file) holds a release's claims file."""
    try:
        with zipfile.ZipFile(fh) as archive:
            return any(looks_like_records(_member_head(archive, m)) for m in _jsonl_members(archive))
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError):
        return False


def folder_is_release(path: Path) -> bool:
    """Whether a folder (an unzipped release) holds a release's claims file."""
    for file in sorted(path.rglob("*.jsonl"))[:MAX_MEMBERS]:
        with file.open("rb") as fh:
            if looks_like_records(fh.readline(HEAD_BYTES)):
                return True
    return False


def path_is_release(path: Path) -> bool:
    """Whether a path on disk (zip, folder or JSONL file) holds a release's claims file."""
    if path.is_dir():
        return folder_is_release(path)
    if not path.is_file():
        return False
    if zipfile.is_zipfile(path):
        return zip_is_release(path)
    with path.open("rb") as fh:
        return looks_like_records(fh.read(HEAD_BYTES))


def release_size(path: Path) -> int:
    """The bytes reading a release takes: its .jsonl files (uncompressed), twice at most."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.jsonl") if p.is_file())
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(m.file_size for m in _jsonl_members(archive))
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError):
        return path.stat().st_size


def _missing(found: _Found, name: str) -> RecordError | None:
    """Why the files found are not a release that can be imported, or None."""
    if found.problem is not None:
        return found.problem
    if found.records is None:
        return RecordError(
            name, None, None,
            "holds no Workbench release claims file (JSONL); only a release made with its JSONL "
            "files can be imported",
        )
    if found.articles is None:
        label = found.records[1]
        return RecordError(
            label, None, None,
            f"the release's claims carry no article texts; import them with its articles file "
            f"({articles_name(label)}): the release's zip as downloaded, or a zip of both files",
        )
    return None


def release_problem(name: str, fh: IO[bytes], *, zipped: bool) -> RecordError | None:
    """Why an upload (a zip, or a claims file alone) cannot be imported as a release, or None."""
    found = _Found()
    name = printable(Path(name).name)
    if not zipped:
        _classify(found, name, name, fh.read(HEAD_BYTES), None)
        fh.seek(0)
        return _missing(found, name)
    try:
        with zipfile.ZipFile(fh) as archive:
            for member in _jsonl_members(archive):
                _classify(found, name, f"{name}:{member.filename}", _member_head(archive, member), None)
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError):
        return RecordError(name, None, None, "is not a valid zip archive")
    finally:
        fh.seek(0)
    return _missing(found, name)


def _unzip(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, label: str, target: Path, left: int,
    limits: Limits,
) -> int | RecordError:
    """Unpack one member to the target; the bytes it took, or why it cannot be."""
    if member.file_size > RATIO_FLOOR and member.file_size > limits.zip_ratio * max(member.compress_size, 1):
        ratio = member.file_size // max(member.compress_size, 1)
        return RecordError(label, None, None, f"is compressed {ratio}:1; at most {limits.zip_ratio}:1 is accepted")
    size = 0
    try:
        with archive.open(member) as fh, target.open("wb") as out:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                if size > left:
                    return RecordError(
                        label.split(":", 1)[0], None, None,
                        f"unpacks to more than {size_text(limits.unzipped_bytes)}, the most an "
                        f"archive may unpack to",
                    )
                out.write(chunk)
    except UNPACK_ERRORS as exc:
        return RecordError(label, None, None, f"cannot be unpacked ({exc})")
    return size


def _locate(path: Path, limits: Limits, stack: ExitStack) -> _Found:
    """The release's two files in a zip, a folder, or a claims file alone."""
    name = printable(path.name)
    found = _Found()
    if path.is_dir():
        for file in sorted(path.rglob("*.jsonl"))[:MAX_MEMBERS]:
            with file.open("rb") as fh:
                _classify(found, name, printable(str(file.relative_to(path))), fh.readline(HEAD_BYTES), file)
        found.problem = _missing(found, name)
        return found
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            _classify(found, name, name, fh.read(HEAD_BYTES), path)
        found.problem = _missing(found, name)
        return found
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError):
        found.problem = RecordError(name, None, None, "is not a valid zip archive")
        return found
    members = {}
    for member in _jsonl_members(archive):
        label = printable(f"{name}:{member.filename}")
        members[label] = member
        _classify(found, name, label, _member_head(archive, member), None)
    found.problem = _missing(found, name)
    if found.problem is not None:
        return found
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="workbench-release-")))
    left = limits.unzipped_bytes
    for kind in ("records", "articles"):
        label = getattr(found, kind)[1]
        target = folder / f"{kind}.jsonl"
        used = _unzip(archive, members[label], label, target, left, limits)
        if isinstance(used, RecordError):
            found.problem = used
            return found
        left -= used
        setattr(found, kind, (target, label))
    return found


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _int(raw: dict, key: str, where: str = "") -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(where + key, f"must be a whole number, not {json.dumps(value)[:40]}")
    return value


def _text(raw: dict, key: str, limit: int | None = None) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(key, "must be text")
    problem = unstorable(value)
    if problem:
        raise _Bad(key, problem)
    if limit is not None and len(value.strip()) > limit:
        raise _Bad(key, f"is {len(value.strip())} characters; at most {limit}")
    return value.strip()


@dataclass
class _Claim:
    """One line of the claims file, checked; its span is checked against the body later."""

    line: int
    id: int
    start: int
    end: int
    quote: str
    span: SpanRecord
    kept: dict[str, Any]
    links: list[LinkRecord] = field(default_factory=list)


def _claim(line: int, raw: dict, limits: Limits) -> _Claim:
    """A claims file line, or _Bad naming its field."""
    claim_id = _int(raw, "id")
    article = raw.get("article")
    if not isinstance(article, dict):
        raise _Bad("article", "must be an object")
    _int(article, "id", "article.")
    start, end = _int(raw, "start"), _int(raw, "end")
    quote = raw.get("quote")
    if not isinstance(quote, str):
        raise _Bad("quote", "must be text")
    statement, speaker = _text(raw, "statement"), _text(raw, "speaker", _SPEAKER_MAX)
    kind = _text(raw, "kind", _KIND_MAX)
    date = raw.get("statement_date")
    try:
        statement_date = None if date in (None, "") else _parse_date(date)
    except ValueError as exc:
        raise _Bad("statement_date", str(exc)) from None
    kept: dict[str, Any] = {"claim_id": claim_id}
    for key in _KEPT:
        if key in raw:
            kept[key] = raw[key]
    for key, kind_of in (("verdict", dict), ("adjudication", dict)):
        if kept.get(key) is not None and not isinstance(kept[key], kind_of):
            raise _Bad(key, "must be an object")
    for key in ("annotations", "gold_evidence"):
        if key in kept and not isinstance(kept[key], list):
            raise _Bad(key, "must be a list")
    problem = _json_problem(kept, (), limits)
    if problem is not None:
        raise _Bad(*problem)
    verdict = kept.get("verdict") or {}
    annotations = [a for a in kept.get("annotations", []) if isinstance(a, dict)]
    # The final verdict is the span's label, as a tool's label would be.
    labels = (verdict["code"],) if isinstance(verdict.get("code"), str) else ()
    annotators = tuple(dict.fromkeys(str(a["annotator"]) for a in annotations if a.get("annotator")))
    span = SpanRecord(
        start=start, end=end, labels=labels, annotators=annotators, key=str(claim_id),
        statement=statement, speaker=speaker, asserted_by_article=raw.get("asserted_by_article") is True,
        statement_date=statement_date, kind=kind,
    )
    claim = _Claim(line, claim_id, start, end, quote, span, kept)
    relations = raw.get("relations", [])
    if not isinstance(relations, list):
        raise _Bad("relations", "must be a list")
    for i, link in enumerate(relations):
        where = f"relations[{i}]"
        if not isinstance(link, dict):
            raise _Bad(where, "must be an object")
        if link.get("direction") != "out":
            continue  # the other claim's record has it as outgoing
        other = _int(link, "claim_id", f"{where}.")
        link_kind = link.get("kind")
        if link_kind not in RELATION_KINDS:
            raise _Bad(
                f"{where}.kind",
                f"{json.dumps(link_kind)[:40]} is not a relation kind ({', '.join(RELATION_KINDS)})",
            )
        claim.links.append(LinkRecord(source=str(claim_id), target=str(other), kind=str(link_kind)))
    return claim


def _lines(path: Path, name: str, limits: Limits, advance: Callable[[int], None]) -> Iterator[tuple[int, dict | RecordError]]:
    """The JSON objects of a JSONL file, numbered, or why a line is not one."""
    with path.open("rb") as fh:
        for number, text in decoded_lines(name, fh, limits.line_bytes, advance):
            if isinstance(text, RecordError):
                yield number, text
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except RecursionError:
                yield number, RecordError(name, number, None, f"is nested more than {limits.json_depth} levels deep")
                continue
            except ValueError as exc:
                message = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
                yield number, RecordError(name, number, None, f"not valid JSON ({message})")
                continue
            if not isinstance(value, dict):
                yield number, RecordError(name, number, None, "each line must be a JSON object")
                continue
            yield number, value


def read_release(path: Path, limits: Limits, advance: Callable[[int], None]) -> Iterator[Item]:
    """The articles of a release (zip, folder or claims file) with their claims, or its problems."""
    with ExitStack() as stack:
        found = _locate(path, limits, stack)
        if found.problem is not None:
            yield found.problem
            return
        assert found.records is not None and found.articles is not None  # _missing said so
        (records_path, records_name), (articles_path, articles_name_) = found.records, found.articles
        # The claims by article, read first: they are small next to the bodies.
        claims: dict[int, list[_Claim]] = {}
        lines: dict[int, int] = {}
        for number, raw in _lines(records_path, records_name, limits, advance):
            if isinstance(raw, RecordError):
                yield raw
                continue
            try:
                claim = _claim(number, raw, limits)
            except _Bad as bad:
                yield RecordError(records_name, number, bad.field, bad.message)
                continue
            if claim.id in lines:
                yield RecordError(records_name, number, "id", f"claim {claim.id} is already on line {lines[claim.id]}")
                continue
            lines[claim.id] = number
            claims.setdefault(raw["article"]["id"], []).append(claim)
        seen: dict[int, int] = {}
        for number, raw in _lines(articles_path, articles_name_, limits, advance):
            if isinstance(raw, RecordError):
                yield raw
                continue
            try:
                article_id = _int(raw, "id")
            except _Bad as bad:
                yield RecordError(articles_name_, number, bad.field, bad.message)
                continue
            if article_id in seen:
                yield RecordError(articles_name_, number, "id", f"article {article_id} is already on line {seen[article_id]}")
                continue
            seen[article_id] = number
            base = build_record(articles_name_, number, {k: raw[k] for k in _ARTICLE_FIELDS if k in raw}, limits)
            mine = claims.pop(article_id, [])
            if isinstance(base, RecordError):
                yield base
                continue
            yield from _article(base, article_id, mine, records_name, limits)
        for article_id, left in claims.items():
            for claim in left:
                yield RecordError(
                    records_name, claim.line, "article.id", f"article {article_id} is not in {articles_name_}",
                )


def _article(
    base: ArticleRecord, article_id: int, claims: list[_Claim], records_name: str, limits: Limits
) -> Iterator[Item]:
    """The article with its claims as spans, or the claims whose span is not its text."""
    body = base.body
    spans: dict[tuple[int, int], SpanRecord] = {}
    kept: list[dict[str, Any]] = []
    links: list[LinkRecord] = []
    bad = False
    for claim in claims:
        if not 0 <= claim.start < claim.end <= len(body):
            yield RecordError(
                records_name, claim.line, "start",
                f"the span {claim.start}–{claim.end} is not inside the text (0–{len(body)}) or is empty",
            )
            bad = True
            continue
        if body[claim.start : claim.end] != claim.quote:
            shown = body[claim.start : claim.end]
            yield RecordError(
                records_name, claim.line, "quote",
                f"{claim.quote[:60]!r} is not the text at {claim.start}–{claim.end} ({shown[:60]!r})",
            )
            bad = True
            continue
        key = (claim.start, claim.end)
        if key in spans:  # a release never holds two claims at one span
            yield RecordError(
                records_name, claim.line, "start",
                f"claim {claim.id} has the span of claim {spans[key].key} of the same article",
            )
            bad = True
            continue
        spans[key] = claim.span
        links.extend(claim.links)
        kept.append({"start": claim.start, "end": claim.end, "labels": list(claim.span.labels),
                     "annotators": list(claim.span.annotators), **claim.kept})
    if bad:
        return
    provenance = {
        "tool": TOOL, "article_id": article_id, "spans": kept,
        "relations": [{"from": link.source, "to": link.target, "kind": link.kind} for link in links],
    }
    metadata = {**base.metadata, PROVENANCE_KEY: provenance}
    size = len(json.dumps(metadata, ensure_ascii=False, allow_nan=False))
    if size > limits.metadata_chars:
        yield RecordError(
            base.file, base.line, "metadata",
            f"is {size:,} characters as JSON with the spans' labels; at most {limits.metadata_chars:,}",
        )
        return
    yield replace(base, metadata=metadata, spans=tuple(spans.values()), links=tuple(links))
