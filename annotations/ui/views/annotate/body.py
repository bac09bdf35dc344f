"""The article body as HTML: paragraphs and headings, emphasis styled, claims as <mark>s.

Built in Python rather than a template because the body's text must reach the DOM unchanged
(no whitespace added between nodes): selection.js counts characters from the start of the
body element, so its textContent must equal the stored body exactly. The layout only wraps
ranges of the text in elements (see annotations/reading.py): the blank lines between
paragraphs stay in the DOM inside hidden gaps, markdown markers inside dimmed spans.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from ....reading import Block, blocks, decorations
from ....selectors.article_page import Segment

# Lanes past this share the last underline offset (CSS has classes l0..l5).
MAX_LANE_CLASS = 5
_INLINE = {"md": ('<span class="md">', "</span>"), "em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>")}


def _text(text: str) -> str:
    """Escape for HTML (quotes too); a carriage return as a reference, which parsers keep."""
    return escape(text).replace("\r", "&#13;")


def _block_tags(block: Block) -> tuple[str, str]:
    """The element wrapping a block: a paragraph, a heading, or a hidden gap of blank lines."""
    if block.kind == "gap":
        return '<span class="gap" aria-hidden="true">', "</span>"
    if block.kind == "heading":
        level = min(block.level + 1, 6)  # the page's own title is the h1
        return f'<h{level} class="para heading" data-para="{block.index}">', f"</h{level}>"
    return f'<p class="para" data-para="{block.index}">', "</p>"


def _marks(segment: Segment, focus_id: int | None) -> tuple[str, str]:
    """Opening and closing tags of the claims covering a segment, lowest lane outermost."""
    opening = []
    for claim, lane in zip(segment.claims, segment.lanes):
        classes = ["c", f"l{min(lane, MAX_LANE_CLASS)}", claim.status]
        if claim.pk == focus_id:
            classes.append("focus")
        score = f' data-score="{claim.score:.4f}"' if claim.status == "candidate" and claim.score is not None else ""
        opening.append(f'<mark class="{" ".join(classes)}" data-claim="{int(claim.pk)}"{score}>')
    return "".join(opening), "</mark>" * len(segment.claims)


def render_body(segments: list[Segment], focus_id: int | None = None) -> SafeString:
    """The body's inner HTML: blocks of text, each piece wrapped in its styles then its claims."""
    body = "".join(segment.text for segment in segments)
    parts: list[str] = []
    marks: dict[int, tuple[str, str]] = {}
    seg_index = 0
    for block in blocks(body):
        opened, closed = _block_tags(block)
        parts.append(opened)
        styles = decorations(body, block)
        cuts = {block.start, block.end}
        for deco in styles:
            cuts.update((deco.start, deco.end))
        # Every piece between two cuts (claim, block or style boundaries) gets its own full
        # stack of elements, so the HTML nests properly whatever overlaps what.
        while seg_index < len(segments) and segments[seg_index].end <= block.start:
            seg_index += 1
        i = seg_index
        while i < len(segments) and segments[i].start < block.end:
            cuts.update((max(segments[i].start, block.start), min(segments[i].end, block.end)))
            i += 1
        points = sorted(cuts)
        j = seg_index
        for a, b in zip(points, points[1:]):
            while segments[j].end <= a:
                j += 1
            if j not in marks:  # a segment cut by styles or blocks keeps its tags
                marks[j] = _marks(segments[j], focus_id)
            mark_open, mark_close = marks[j]
            if styles:
                outer = [_INLINE[d.style] for d in styles if d.start <= a and b <= d.end]
                parts.append("".join(o for o, _c in outer) + mark_open + _text(body[a:b]) + mark_close
                             + "".join(c for _o, c in reversed(outer)))
            else:
                parts.append(mark_open + _text(body[a:b]) + mark_close)
        parts.append(closed)
    # Every piece of text above went through escape(); the tags are built from ids and enums.
    return mark_safe("".join(parts))  # noqa: S308
