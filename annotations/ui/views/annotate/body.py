"""The article body as HTML: every segment escaped, wrapped in one <mark> per covering claim.

Built in Python rather than a template because the body's text must reach the DOM unchanged
(no whitespace added between nodes): selection.js counts characters from the start of the
body element, so its textContent must equal the stored body exactly.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from ....selectors.article_page import Segment

# Lanes past this share the last underline offset (CSS has classes l0..l5).
MAX_LANE_CLASS = 5


def _text(text: str) -> str:
    """Escape for HTML (quotes too); a carriage return as a reference, which parsers keep."""
    return escape(text).replace("\r", "&#13;")


def render_body(segments: list[Segment], focus_id: int | None = None) -> SafeString:
    """The body's inner HTML: plain text, with claims as nested marks carrying data attributes."""
    parts: list[str] = []
    for segment in segments:
        opening = []
        for claim, lane in zip(segment.claims, segment.lanes):
            classes = ["c", f"l{min(lane, MAX_LANE_CLASS)}", claim.status]
            if claim.pk == focus_id:
                classes.append("focus")
            opening.append(
                f'<mark class="{" ".join(classes)}" data-claim="{claim.pk}">'
            )
        parts.append("".join(opening))
        parts.append(_text(segment.text))
        parts.append("</mark>" * len(segment.claims))
    # Every piece of text above went through escape(); the tags are built from ids and enums.
    return mark_safe("".join(parts))  # noqa: S308
