"""Read fact-check feeds: schema.org ClaimReview items as reference fact checks. Pure: no Django.

Accepted shapes, told apart by their content:
- a schema.org `DataFeed` whose `dataFeedElement[]` are DataFeedItems holding `item[]` (Data
  Commons' fact-check feed, the Google Fact Check Markup Tool's export, the Workbench's releases);
- a JSON list of ClaimReview objects, one ClaimReview object, or a JSON-LD `@graph` of them;
- ClaimReview objects one per line (JSONL);
- the response of Google's Fact Check Tools API (`claims:search`):
  `{"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name", "site"},
  "url", "title", "reviewDate", "textualRating", "languageCode"}]}]}`.

A problem is a RecordError naming the file, the line (JSONL) or the item's index, and the field
by its path in the file (dataFeedElement[3].item[0].reviewRating.ratingValue).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .reader import Limits, RecordError, _json_problem, printable, size_text, unstorable

FORMAT = "claimreview"
# Column lengths of ReferenceFactCheck: longer text is refused, not cut.
LENGTHS = {
    "claimant": 300, "title": 500, "publisher": 300, "publisher_site": 300, "rating_text": 300,
    "language": 12, "url": 2000,
}
# What, in a JSON file's first bytes, only a fact-check feed says.
_MARKERS = re.compile(
    rb'"@type"\s*:\s*\[?\s*"(?:https?://schema\.org/)?(?:ClaimReview|DataFeed)"'
    rb'|"claimReview(?:ed)?"\s*:|"dataFeedElement"\s*:'
)


@dataclass(frozen=True, slots=True)
class FactCheckRecord:
    """One valid ClaimReview as read from a feed."""

    file: str
    line: int | None
    where: str  # the item's path in the file, for people: dataFeedElement[0].item[0]
    url: str
    claim_reviewed: str
    claimant: str = ""
    claim_date: dt.date | None = None
    title: str = ""
    publisher: str = ""
    publisher_site: str = ""
    rating_text: str = ""
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    language: str = ""
    review_date: dt.date | None = None
    raw: dict = field(default_factory=dict)


FactCheckItem = FactCheckRecord | RecordError


def looks_like_claimreview(head: bytes) -> bool:
    """Whether the first bytes of a JSON file are those of a fact-check feed."""
    return bool(_MARKERS.search(head))


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _text(value: object, where: str, key: str, *, required: bool = False, limit: int | None = None) -> str:
    """A text field (a schema.org Text, or a Thing's name)."""
    path = _join(where, key)
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName") or ""
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Bad(path, f"must be text, not {type(value).__name__}")
    problem = unstorable(value)
    if problem:
        raise _Bad(path, problem)
    value = value.strip()
    if required and not value:
        raise _Bad(path, "missing or empty")
    if limit is not None and len(value) > limit:
        raise _Bad(path, f"is {len(value)} characters; at most {limit}")
    return value


def _url(value: object, where: str, key: str, *, required: bool = False) -> str:
    text = _text(value, where, key, required=required, limit=LENGTHS["url"])
    if text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _Bad(_join(where, key), f"{text[:80]!r} is not an http(s) URL")
    return text


def _date(value: object, where: str, key: str) -> dt.date | None:
    """A schema.org Date or DateTime, or a protobuf Timestamp (RFC 3339): its date is kept."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _Bad(_join(where, key), "must be a date as text, YYYY-MM-DD")
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(_join(where, key), f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def _number(value: object, where: str, key: str) -> float | None:
    """A Rating's number: schema.org allows a Number or Text holding one."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _Bad(_join(where, key), "must be a number, not a boolean")
    if isinstance(value, str):
        text = value
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            raise _Bad(_join(where, key), f"{text[:40]!r} is not a number") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Bad(_join(where, key), f"{str(value)[:40]} is not a number")
    return float(value)


def _types(node: dict) -> set[str]:
    kind = node.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _language(value: object, where: str) -> str:
    if isinstance(value, dict):  # a schema.org Language
        value = value.get("alternateName") or value.get("name") or ""
    return _text(value, where, "inLanguage", limit=LENGTHS["language"])


def schema_review(node: dict, where: str, file: str, line: int | None) -> FactCheckRecord:
    """A schema.org ClaimReview object as a record; _Bad names the first wrong field."""
    kinds = _types(node)
    if kinds and "ClaimReview" not in kinds:
        raise _Bad(_join(where, "@type"), f"is {', '.join(sorted(kinds))}, not ClaimReview")
    url = node.get("url") or (node.get("@id") if str(node.get("@id", "")).startswith("http") else "")
    # What identifies the review first: its address and the claim it reviews.
    review_url = _url(url, where, "url", required=True)
    claim_reviewed = _text(node.get("claimReviewed"), where, "claimReviewed", required=True)
    item = node.get("itemReviewed") or {}
    if not isinstance(item, dict):
        raise _Bad(_join(where, "itemReviewed"), "must be a Claim object")
    at = _join(where, "itemReviewed")
    appearance = item.get("firstAppearance") or item.get("appearance") or {}
    if isinstance(appearance, list):
        appearance = appearance[0] if appearance and isinstance(appearance[0], dict) else {}
    claim_date = _date(item.get("datePublished"), at, "datePublished")
    if claim_date is None and isinstance(appearance, dict):
        claim_date = _date(appearance.get("datePublished"), _join(at, "appearance"), "datePublished")
    claimant = item.get("author") or ""
    if isinstance(claimant, list):  # several authors: the first is named
        claimant = claimant[0] if claimant else ""
    author = node.get("author") or {}
    if isinstance(author, list):
        author = author[0] if author else {}
    rating = node.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    if not isinstance(rating, dict):
        raise _Bad(_join(where, "reviewRating"), "must be a Rating object")
    rt = _join(where, "reviewRating")
    value = _number(rating.get("ratingValue"), rt, "ratingValue")
    best = _number(rating.get("bestRating"), rt, "bestRating")
    worst = _number(rating.get("worstRating"), rt, "worstRating")
    if value is not None and best is not None and worst is not None and not (
        min(best, worst) <= value <= max(best, worst)
    ):
        raise _Bad(_join(rt, "ratingValue"), f"{value:g} lies outside worstRating {worst:g} .. bestRating {best:g}")
    rating_text = _text(
        rating.get("alternateName") or rating.get("name") or "", rt, "alternateName", limit=LENGTHS["rating_text"]
    )
    if not rating_text and value is None:
        raise _Bad(rt, "gives no rating: neither alternateName nor ratingValue")
    return FactCheckRecord(
        file=file, line=line, where=where,
        url=review_url,
        claim_reviewed=claim_reviewed,
        claimant=_text(claimant, at, "author", limit=LENGTHS["claimant"]),
        claim_date=claim_date,
        title=_text(node.get("headline") or node.get("name") or "", where, "headline", limit=LENGTHS["title"]),
        publisher=_text(author if isinstance(author, (dict, str)) else "", where, "author", limit=LENGTHS["publisher"]),
        publisher_site=_text(author.get("url", "") if isinstance(author, dict) else "", _join(where, "author"),
                             "url", limit=LENGTHS["publisher_site"]),
        rating_text=rating_text,
        rating_value=value, best_rating=best, worst_rating=worst,
        language=_language(node.get("inLanguage") or "", where),
        review_date=_date(node.get("datePublished"), where, "datePublished"),
        raw=node,
    )


def google_reviews(claim: dict, where: str, file: str, line: int | None) -> Iterator[FactCheckRecord]:
    """The reviews of one claim of Google's Fact Check Tools API, one record each."""
    text = _text(claim.get("text"), where, "text", required=True)
    claimant = _text(claim.get("claimant") or "", where, "claimant", limit=LENGTHS["claimant"])
    claim_date = _date(claim.get("claimDate"), where, "claimDate")
    reviews = claim.get("claimReview")
    if not isinstance(reviews, list) or not reviews:
        raise _Bad(_join(where, "claimReview"), "must be a non-empty list of reviews")
    for j, review in enumerate(reviews):
        at = f"{_join(where, 'claimReview')}[{j}]"
        if not isinstance(review, dict):
            raise _Bad(at, "must be a review object")
        publisher = review.get("publisher") or {}
        if not isinstance(publisher, dict):
            raise _Bad(_join(at, "publisher"), "must be an object with name and site")
        rating = _text(review.get("textualRating") or "", at, "textualRating", limit=LENGTHS["rating_text"])
        if not rating:
            raise _Bad(_join(at, "textualRating"), "missing or empty")
        yield FactCheckRecord(
            file=file, line=line, where=at,
            url=_url(review.get("url"), at, "url", required=True),
            claim_reviewed=text, claimant=claimant, claim_date=claim_date,
            title=_text(review.get("title") or "", at, "title", limit=LENGTHS["title"]),
            publisher=_text(publisher.get("name") or "", _join(at, "publisher"), "name", limit=LENGTHS["publisher"]),
            publisher_site=_text(publisher.get("site") or "", _join(at, "publisher"), "site",
                                 limit=LENGTHS["publisher_site"]),
            rating_text=rating,
            language=_text(review.get("languageCode") or "", at, "languageCode", limit=LENGTHS["language"]),
            review_date=_date(review.get("reviewDate"), at, "reviewDate"),
            raw={**{k: v for k, v in claim.items() if k != "claimReview"}, "claimReview": [review]},
        )


def _reviews_of(doc: object, file: str, line: int | None) -> Iterator[tuple[str, dict] | RecordError]:
    """(path, ClaimReview object) pairs of a parsed document, or what is wrong with its shape."""
    if isinstance(doc, list):
        for i, node in enumerate(doc):
            yield (f"[{i}]", node) if isinstance(node, dict) else RecordError(
                file, line, f"[{i}]", "must be a ClaimReview object")
        return
    if not isinstance(doc, dict):
        yield RecordError(file, line, None, "must be a JSON object or list of ClaimReview objects")
        return
    if "claims" in doc and isinstance(doc["claims"], list):
        for i, claim in enumerate(doc["claims"]):
            yield (f"claims[{i}]", {"__google__": claim})
        return
    if "claimReview" in doc and "text" in doc:  # one claim of the API, as a JSONL line
        yield ("", {"__google__": doc})
        return
    if "dataFeedElement" in doc or "DataFeed" in _types(doc):
        elements = doc.get("dataFeedElement")
        if not isinstance(elements, list):
            yield RecordError(file, line, "dataFeedElement", "must be a list of DataFeedItems")
            return
        for i, element in enumerate(elements):
            at = f"dataFeedElement[{i}]"
            if not isinstance(element, dict):
                yield RecordError(file, line, at, "must be a DataFeedItem object")
                continue
            if "ClaimReview" in _types(element):  # a feed listing reviews directly
                yield (at, element)
                continue
            items = element.get("item")
            items = [items] if isinstance(items, dict) else items
            if not isinstance(items, list) or not items:
                yield RecordError(file, line, f"{at}.item", "missing: a DataFeedItem holds its ClaimReview in item")
                continue
            for j, node in enumerate(items):
                yield (f"{at}.item[{j}]", node) if isinstance(node, dict) else RecordError(
                    file, line, f"{at}.item[{j}]", "must be a ClaimReview object")
        return
    if isinstance(doc.get("@graph"), list):
        for i, node in enumerate(doc["@graph"]):
            if isinstance(node, dict) and "ClaimReview" in _types(node):
                yield (f"@graph[{i}]", node)
        return
    yield ("", doc)


def _records(doc: object, file: str, line: int | None, limits: Limits) -> Iterator[FactCheckItem]:
    for found in _reviews_of(doc, file, line):
        if isinstance(found, RecordError):
            yield found
            continue
        where, node = found
        shown = where or "the review"
        problem = _json_problem(node, (where,) if where else (), limits)
        if problem is not None:
            yield RecordError(file, line, problem[0] or where or None, problem[1])
            continue
        try:
            if "__google__" in node:
                claim = node["__google__"]
                if not isinstance(claim, dict):
                    raise _Bad(where, "must be a claim object")
                yield from list(google_reviews(claim, where, file, line))
            else:
                yield schema_review(node, where, file, line)
        except _Bad as exc:
            yield RecordError(file, line, exc.field or shown, exc.message)


def read_claimreview(name: str, data: bytes, limits: Limits = Limits()) -> Iterator[FactCheckItem]:
    """Every review of a feed's bytes, or a RecordError for each bad one (file, line or item, field)."""
    name = printable(name)
    if len(data) > limits.unzipped_bytes:
        yield RecordError(name, None, None, f"is more than {size_text(limits.unzipped_bytes)}")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        yield RecordError(name, line, None, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")
        return
    if not text.strip():
        yield RecordError(name, None, None, "is empty")
        return
    try:
        doc = json.loads(text)
    except RecursionError:
        yield RecordError(name, None, None, f"is nested more than {limits.json_depth} levels deep")
        return
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            yield RecordError(name, exc.lineno, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
            return
        yield from _jsonl(name, text, limits)  # several documents: one review a line
        return
    except ValueError as exc:
        yield RecordError(name, None, None, f"not valid JSON ({exc})")
        return
    yield from _records(doc, name, None, limits)


def _jsonl(name: str, text: str, limits: Limits) -> Iterator[FactCheckItem]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except RecursionError:
            yield RecordError(name, number, None, f"is nested more than {limits.json_depth} levels deep")
            continue
        except ValueError as exc:
            yield RecordError(name, number, None, f"not valid JSON ({exc})")
            continue
        if not isinstance(doc, dict):
            yield RecordError(name, number, None, "each line must be a ClaimReview object")
            continue
        yield from _records(doc, name, number, limits)
