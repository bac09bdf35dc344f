"""Read a web page as an article: its main text and metadata, extracted by trafilatura. Pure.

trafilatura (Apache-2.0, maintained, the best scores of the open extractors in its own and
others' benchmarks) finds the main text, title, author, date, site name and canonical URL, all
offline. The body is stored exactly as extracted, so claim offsets point into what was kept.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import trafilatura
from trafilatura.settings import Document, use_config

from .reader import FIELDS, Item, Limits, RecordError, build_record, size_text

# A page is markup around its text: it may be this many times larger than the longest body.
HTML_OVERHEAD = 4
# Elements of one page worth walking; trafilatura prunes past this rather than run on.
MAX_TREE_SIZE = 200_000

_LANG = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*", re.IGNORECASE)


_CONFIG = use_config()
# Its timeout is a SIGALRM, which only works in a main thread; pages are bounded by size instead.
_CONFIG.set("DEFAULT", "extraction_timeout", "0")
_CONFIG.set("DEFAULT", "max_tree_size", str(MAX_TREE_SIZE))


def html_bytes(limits: Limits) -> int:
    """The largest page worth reading."""
    return HTML_OVERHEAD * limits.member_bytes


def _cut(value: object, field: str) -> str:
    """Extracted metadata is the page's, not the importer's: too long is cut, not refused."""
    if not isinstance(value, str):
        return ""
    limit = FIELDS[field][1]
    text = " ".join(value.split())
    return text[:limit] if limit else text


def _http(url: object) -> str:
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


def html_record(name: str, line: int, data: bytes, limits: Limits = Limits(), *, url: str = "") -> Item:
    """One HTML page (as bytes) as an article; `url` is where it was fetched from, if it was."""
    _CONFIG.set("DEFAULT", "max_file_size", str(html_bytes(limits)))
    if len(data) > html_bytes(limits):
        return RecordError(
            name, line, None,
            f"the page is {size_text(len(data))}; at most {size_text(html_bytes(limits))} is read",
        )
    try:
        document = trafilatura.bare_extraction(
            data, url=url or None, with_metadata=True, include_comments=False, config=_CONFIG,
        )
    except Exception as exc:  # noqa: BLE001 - any parser failure means the same: not readable as HTML
        return RecordError(name, line, None, f"cannot be read as HTML ({type(exc).__name__})")
    text = document.text if isinstance(document, Document) else None
    if not isinstance(document, Document) or not text or not text.strip():
        return RecordError(name, line, "body", "no article text found in the page")
    lang = _LANG.search(data[:65536])
    raw = {
        "body": text,
        "title": _cut(document.title, "title"),
        "author": _cut(document.author, "author"),
        "url": _http(document.url) or _http(url),
        "published_on": document.date or None,
        "language": lang.group(1).decode("ascii").lower() if lang else "",
        "outlet": _cut(document.sitename, "outlet"),
        "outlet_domain": _cut(document.hostname, "outlet_domain"),
        "metadata": {
            "source": {
                k: v for k, v in {
                    "format": "html", "fetched_from": url,
                    "description": _cut(document.description, "title"),
                }.items() if v
            }
        },
    }
    return build_record(name, line, raw, limits)
