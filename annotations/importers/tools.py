"""Read other annotation tools' exports: each text an article, each labelled span a claim. Pure.

doccano (sequence labelling `{"text", "label": [[start, end, "LABEL"]]}` and relation extraction
`{"text", "entities": [...], "relations": [...]}` JSONL) counts offsets in code points, as Python
does, and gives no span text to check them against: they are only checked to lie in the text.

Label Studio (JSON: tasks with `data` and `annotations[].result[]`; JSON_MIN: flat tasks whose
control tags' names hold lists of `{start, end, text, labels}`) gives each span's `text`. Its
offsets were JavaScript's UTF-16 code units before the 2022 editor counted code points, so a span
is read in code points first and, when the text holds characters outside the BMP and the quote
does not match, in UTF-16 units; a span whose text matches neither is a bad line.

What the tools said that a Claim has no field for (labels, annotators, relation labels) is kept
on the article: metadata["imported_annotations"] (see PROVENANCE_KEY and the README).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from dataclasses import replace

from .reader import (
    ArticleRecord,
    Item,
    Limits,
    RecordError,
    RelationRecord,
    SpanRecord,
    build_record,
    unstorable,
)

PROVENANCE_KEY = "imported_annotations"
MAX_LABEL = 200  # characters of one label; more is not a label
MAX_SPANS = 10_000  # spans of one text; more is not an annotated article

_SAME = {"same", "same_claim", "same_as", "identical", "duplicate", "paraphrase"}
_CONTRADICTS = {"contradicts", "contradict", "contradiction", "contradictory", "refutes"}
_SUPPORTS = {"supports", "support", "supporting", "entails", "confirms"}

# JSON_MIN puts these next to the task's data fields; they are not article fields.
_MIN_META = {"annotator", "annotation_id", "created_at", "updated_at", "lead_time", "drafts", "predictions"}


def relation_kind(label: str) -> str:
    """The Workbench relation kind a tool's relation label means: same, contradicts, supports, related."""
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _SAME:
        return "same"
    if key in _CONTRADICTS:
        return "contradicts"
    if key in _SUPPORTS:
        return "supports"
    return "related"


class _Bad(Exception):
    """A problem with one field of one record."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _offset(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(field, f"must be a whole number, not {json.dumps(value)[:40]}")
    return value


def _label(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(field, "must be a non-empty label")
    problem = unstorable(value)
    if problem:
        raise _Bad(field, problem)
    if len(value) > MAX_LABEL:
        raise _Bad(field, f"is {len(value)} characters; a label is at most {MAX_LABEL}")
    return value.strip()


def _who(value: object) -> str:
    """An annotator as the tool names one: an id, an e-mail, or {"id", "email"}."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("username") or value.get("id")
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    text = str(value).strip()
    return "" if unstorable(text) else text[:MAX_LABEL]


def _utf16_to_points(text: str) -> list[int]:
    """For each code point index i, where it starts in UTF-16 units (and one past the end)."""
    starts = [0]
    for char in text:
        starts.append(starts[-1] + (2 if ord(char) > 0xFFFF else 1))
    return starts


class _Spans:
    """The spans of one text, merged by (start, end), and the relations between them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral = any(ord(c) > 0xFFFF for c in text)
        self._utf16: list[int] | None = None
        self.order: list[tuple[int, int]] = []
        self.labels: dict[tuple[int, int], list[str]] = {}
        self.annotators: dict[tuple[int, int], list[str]] = {}
        self.relations: list[tuple[tuple[int, int], tuple[int, int], str]] = []
        self._related: set[tuple[tuple[int, int], tuple[int, int], str]] = set()

    def _check(self, start: int, end: int, field: str) -> None:
        if not 0 <= start < end <= len(self.text):
            raise _Bad(
                field, f"the span {start}–{end} is not inside the text (0–{len(self.text)}) "
                f"or is empty",
            )

    def resolve(self, start: int, end: int, quote: str | None, field: str) -> tuple[int, int]:
        """Code point offsets for a span; `quote`, when given, must be the text it covers."""
        if quote is None or self.text[start:end] == quote:
            self._check(start, end, field)
            return start, end
        if self._astral:  # perhaps UTF-16 units, as Label Studio counted before 2022
            if self._utf16 is None:
                self._utf16 = _utf16_to_points(self.text)
            i = bisect.bisect_left(self._utf16, start)
            j = bisect.bisect_left(self._utf16, end)
            if (
                i < len(self._utf16) and j < len(self._utf16)
                and self._utf16[i] == start and self._utf16[j] == end
                and self.text[i:j] == quote
            ):
                self._check(i, j, field)
                return i, j
        shown = self.text[start:end] if 0 <= start < end <= len(self.text) else ""
        raise _Bad(
            field, f"{quote[:60]!r} is not the text at {start}–{end}"
            + (f" ({shown[:60]!r})" if shown else " (outside the text)"),
        )

    def add(self, span: tuple[int, int], labels: list[str], annotator: str) -> None:
        if span not in self.labels:
            if len(self.order) >= MAX_SPANS:
                raise _Bad("text", f"has more than {MAX_SPANS:,} spans")
            self.order.append(span)
            self.labels[span] = []
            self.annotators[span] = []
        for label in labels:
            if label not in self.labels[span]:
                self.labels[span].append(label)
        if annotator and annotator not in self.annotators[span]:
            self.annotators[span].append(annotator)

    def relate(self, source: tuple[int, int], target: tuple[int, int], label: str) -> None:
        link = (source, target, label)
        if source == target or link in self._related:
            return
        if len(self.relations) >= MAX_SPANS:
            raise _Bad("relations", f"has more than {MAX_SPANS:,} relations")
        self._related.add(link)
        self.relations.append(link)

    def record(self, base: ArticleRecord, tool: str, limits: Limits) -> Item:
        """The article with its spans (offsets into the stored body) and their provenance."""
        shift = _newline_shift(self.text)
        spans = [(shift(s), shift(e)) for s, e in self.order]
        index = {old: i for i, old in enumerate(self.order)}
        span_records = tuple(
            SpanRecord(start=s, end=e, labels=tuple(self.labels[old]), annotators=tuple(self.annotators[old]))
            for (s, e), old in zip(spans, self.order)
        )
        relation_records = tuple(
            RelationRecord(source=index[a], target=index[b], kind=relation_kind(label), label=label)
            for a, b, label in self.relations
        )
        provenance = {
            "tool": tool,
            "spans": [
                {"start": r.start, "end": r.end, "labels": list(r.labels), "annotators": list(r.annotators)}
                for r in span_records
            ],
            "relations": [
                {
                    "from": [span_records[r.source].start, span_records[r.source].end],
                    "to": [span_records[r.target].start, span_records[r.target].end],
                    "label": r.label, "kind": r.kind,
                }
                for r in relation_records
            ],
        }
        metadata = {**base.metadata, PROVENANCE_KEY: provenance}
        size = len(json.dumps(metadata, ensure_ascii=False, allow_nan=False))
        if size > limits.metadata_chars:
            return RecordError(
                base.file, base.line, "metadata",
                f"is {size:,} characters as JSON with the spans' labels; at most {limits.metadata_chars:,}",
            )
        return replace(base, metadata=metadata, spans=span_records, relations=relation_records)


def _newline_shift(text: str) -> Callable[[int], int]:
    """Map offsets in `text` to offsets in its stored body, where each CR LF became one LF."""
    pairs: list[int] = []
    at = text.find("\r\n")
    while at >= 0:
        pairs.append(at)
        at = text.find("\r\n", at + 2)
    if not pairs:
        return lambda i: i
    return lambda i: i - bisect.bisect_left(pairs, i)


def is_doccano(raw: dict) -> bool:
    """Whether a JSONL line is shaped as doccano writes spans (entities, or [start, end, label])."""
    entities = raw.get("entities")
    if isinstance(entities, list) and entities and all(
        isinstance(e, dict) and "start_offset" in e for e in entities
    ):
        return True
    for key in ("label", "labels"):
        value = raw.get(key)
        if isinstance(value, list) and value and all(
            isinstance(v, list) and len(v) == 3 and isinstance(v[0], int) for v in value
        ):
            return True
    return False


def doccano_record(name: str, line: int, raw: dict, limits: Limits = Limits()) -> Item:
    """One line of a doccano sequence-labelling or relation-extraction export."""
    span_keys = [k for k in ("label", "labels") if k in raw]
    rest = {k: v for k, v in raw.items() if k not in ("entities", "relations", *span_keys)}
    triples = None
    for key in span_keys:
        value = raw[key]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            rest[key] = value  # a text classification's categories: kept as metadata
        elif triples is None:
            triples = (key, value)
        else:
            return RecordError(name, line, key, "give the spans once, as 'label' or 'labels'")
    base = build_record(name, line, rest, limits)
    if isinstance(base, RecordError):
        return base
    text = raw.get("text", raw.get("body"))
    assert isinstance(text, str)  # build_record refused a record without one
    spans = _Spans(text)
    try:
        if triples is not None:
            key, value = triples
            if not isinstance(value, list):
                raise _Bad(key, "must be a list of [start, end, label]")
            for i, item in enumerate(value):
                where = f"{key}[{i}]"
                if not isinstance(item, list) or len(item) != 3:
                    raise _Bad(where, "must be [start, end, label]")
                start, end = _offset(item[0], where), _offset(item[1], where)
                spans.add(spans.resolve(start, end, None, where), [_label(item[2], where)], "")
        by_id: dict[object, tuple[int, int]] = {}
        entities = raw.get("entities", [])
        if not isinstance(entities, list):
            raise _Bad("entities", "must be a list")
        for i, entity in enumerate(entities):
            where = f"entities[{i}]"
            if not isinstance(entity, dict):
                raise _Bad(where, "must be an object with id, label, start_offset and end_offset")
            start = _offset(entity.get("start_offset"), f"{where}.start_offset")
            end = _offset(entity.get("end_offset"), f"{where}.end_offset")
            span = spans.resolve(start, end, None, where)
            spans.add(span, [_label(entity.get("label"), f"{where}.label")], "")
            if "id" in entity:
                by_id[_key(entity["id"])] = span
        relations = raw.get("relations", [])
        if not isinstance(relations, list):
            raise _Bad("relations", "must be a list")
        for i, relation in enumerate(relations):
            where = f"relations[{i}]"
            if not isinstance(relation, dict):
                raise _Bad(where, "must be an object with from_id, to_id and type")
            ends = []
            for end_key in ("from_id", "to_id"):
                span_at = by_id.get(_key(relation.get(end_key)))
                if span_at is None:
                    raise _Bad(f"{where}.{end_key}", f"{json.dumps(relation.get(end_key))[:40]} is no entity of this line")
                ends.append(span_at)
            spans.relate(ends[0], ends[1], _label(relation.get("type"), f"{where}.type"))
    except _Bad as bad:
        return RecordError(name, line, bad.field, bad.message)
    return spans.record(base, "doccano", limits)


def _key(value: object) -> object:
    """Ids compare as text: 12 and "12" name the same entity."""
    return str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else object()


def labelstudio_record(name: str, line: int, task: dict, limits: Limits = Limits()) -> Item:
    """One Label Studio task, as its JSON export (`data`, `annotations`) or JSON_MIN writes it."""
    if isinstance(task.get("data"), dict):
        data = dict(task["data"])
        if "id" in task and not {"id", "external_id"} & set(data):
            data["id"] = task["id"]
        results = task.get("annotations", task.get("completions", []))
        minimal = False
    else:
        data = {k: v for k, v in task.items() if k not in _MIN_META and not _regions(v)}
        results = [task]
        minimal = True
    text_key = _text_key(data)
    prefix = "" if minimal else "data."
    if text_key is None:
        return RecordError(
            name, line, f"{prefix}text",
            "missing or empty; every task needs its text (in a field named text, or its only text field)",
        )
    article = {k: v for k, v in data.items() if k not in ("text", "body", text_key)}
    article["body"] = data[text_key]
    base = build_record(name, line, article, limits)
    if isinstance(base, RecordError):
        field = text_key if base.field == "body" else base.field
        return RecordError(name, line, f"{prefix}{field}" if field else None, base.message)
    spans = _Spans(data[text_key])
    try:
        if not isinstance(results, list):
            raise _Bad("annotations", "must be a list")
        for a, annotation in enumerate(results):
            if minimal:
                _minimal_regions(spans, annotation)
            else:
                _annotation(spans, annotation, f"annotations[{a}]")
    except _Bad as bad:
        return RecordError(name, line, bad.field, bad.message)
    return spans.record(base, "label-studio", limits)


def _regions(value: object) -> bool:
    """Whether a JSON_MIN value is a control tag's regions: a list of {start, end, ...}."""
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(i, dict) and "start" in i and "end" in i for i in items)


def _text_key(data: dict) -> str | None:
    """The data field that holds the task's text: `text` (or `body`), else its only text field."""
    for key in ("text", "body"):
        if isinstance(data.get(key), str) and data[key].strip():
            return key
    texts = [k for k, v in data.items() if isinstance(v, str) and v.strip()]
    return texts[0] if len(texts) == 1 else None


def _value_span(spans: _Spans, value: object, where: str) -> tuple[tuple[int, int], list[str]]:
    if not isinstance(value, dict):
        raise _Bad(where, "must be an object with start, end, text and labels")
    if isinstance(value.get("start"), str) or "startOffset" in value:
        raise _Bad(
            f"{where}.start",
            "is an XPath range (a HyperText task); only tasks labelled in a Text tag can be imported",
        )
    start = _offset(value.get("start"), f"{where}.start")
    end = _offset(value.get("end"), f"{where}.end")
    quote = value.get("text")
    if quote is not None and not isinstance(quote, str):
        raise _Bad(f"{where}.text", "must be text")
    try:
        span = spans.resolve(start, end, quote, f"{where}.text")
    except _Bad as bad:
        if quote is None:
            raise _Bad(f"{where}.start", bad.message) from None
        raise
    labels = value.get("labels", [])
    if not isinstance(labels, list):
        raise _Bad(f"{where}.labels", "must be a list of labels")
    return span, [_label(label, f"{where}.labels[{i}]") for i, label in enumerate(labels)]


def _annotation(spans: _Spans, annotation: object, where: str) -> None:
    """One annotator's regions and relations; a cancelled (skipped) annotation holds none."""
    if not isinstance(annotation, dict):
        raise _Bad(where, "must be an object with a result list")
    if annotation.get("was_cancelled"):
        return
    who = _who(annotation.get("completed_by"))
    result = annotation.get("result", [])
    if not isinstance(result, list):
        raise _Bad(f"{where}.result", "must be a list")
    by_id: dict[object, tuple[int, int]] = {}
    links: list[tuple[int, dict]] = []
    for r, item in enumerate(result):
        at = f"{where}.result[{r}]"
        if not isinstance(item, dict):
            raise _Bad(at, "must be an object")
        if item.get("type") == "relation":
            links.append((r, item))
            continue
        value = item.get("value")
        if not isinstance(value, dict) or "start" not in value or "end" not in value:
            continue  # choices, ratings, text areas: about the task, not a span
        span, labels = _value_span(spans, value, f"{at}.value")
        spans.add(span, labels, who)
        if "id" in item:
            by_id[_key(item["id"])] = span
    # Relations name regions by id, wherever they stand in the list.
    for r, item in links:
        at = f"{where}.result[{r}]"
        ends = []
        for end_key in ("from_id", "to_id"):
            span_at = by_id.get(_key(item.get(end_key)))
            if span_at is None:
                raise _Bad(f"{at}.{end_key}", f"{json.dumps(item.get(end_key))[:40]} is no region of this annotation")
            ends.append(span_at)
        if item.get("direction") == "left":
            ends.reverse()
        labels = item.get("labels") or []
        if not isinstance(labels, list):
            raise _Bad(f"{at}.labels", "must be a list of labels")
        names = [_label(label, f"{at}.labels[{i}]") for i, label in enumerate(labels)] or [""]
        for label in names:
            spans.relate(ends[0], ends[1], label)


def _minimal_regions(spans: _Spans, task: dict) -> None:
    """JSON_MIN: each control tag's name holds its regions; `annotator` says whose they are."""
    who = _who(task.get("annotator"))
    for key, value in task.items():
        if key in _MIN_META or not _regions(value):
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            span, labels = _value_span(spans, item, f"{key}[{i}]")
            spans.add(span, labels, who)
