"""The reading layout of an article's body: paragraphs, headings and emphasis, by offsets.

Pure Python, no Django. Nothing here changes the text: every block and every decoration is a
range of code points into the stored body, so the page can style the text while each character
stays where the claims' offsets say (the markdown markers are kept, only dimmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A claim longer than this, or crossing a paragraph break, is more likely a stray drag than a claim.
LONG_CLAIM_CHARS = 600

_HEADING = re.compile(r"(#{1,6})[ \t]+")
# `__` only between words (as CommonMark): `window.__name__` is code, not emphasis.
_STRONG = re.compile(r"(\*\*)(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)(__)(?=\S)(.+?)(?<=\S)__(?!\w)")
_EM = re.compile(r"(?<![*\w])([*_])(?=[^\s*_])([^*_\n]+?)(?<=[^\s*_])\1(?![*\w])")


@dataclass(frozen=True)
class Block:
    """A run of the body: a paragraph or heading (`level` 1–6), or a gap of blank lines (0 = para)."""

    start: int
    end: int
    kind: str  # "para", "heading" or "gap"
    level: int = 0
    index: int = -1  # the paragraph's number (paragraphs and headings), -1 for gaps


@dataclass(frozen=True)
class Decoration:
    """An inline style over a range: "md" (a markdown marker), "em" or "strong"."""

    start: int
    end: int
    style: str


def blocks(body: str) -> list[Block]:
    """The body cut into paragraphs (runs of non-blank lines) and the blank runs between them."""
    out: list[Block] = []
    pos, size, index = 0, len(body), 0
    gap_start: int | None = None
    para_start: int | None = None
    para_end = 0
    while pos < size:
        newline = body.find("\n", pos)
        line_end = size if newline < 0 else newline
        blank = not body[pos:line_end].strip()
        if blank:
            if para_start is not None:
                out.append(_paragraph(body, para_start, para_end, index))
                index += 1
                para_start = None
                gap_start = para_end
            elif gap_start is None:
                gap_start = pos
        else:
            if para_start is None:
                if gap_start is not None and gap_start < pos:
                    out.append(Block(gap_start, pos, "gap"))
                gap_start = None
                para_start = pos
            para_end = line_end
        pos = line_end + 1
    if para_start is not None:
        out.append(_paragraph(body, para_start, para_end, index))
        if para_end < size:
            out.append(Block(para_end, size, "gap"))
    elif gap_start is not None and gap_start < size:
        out.append(Block(gap_start, size, "gap"))
    return out


def _paragraph(body: str, start: int, end: int, index: int) -> Block:
    """A paragraph, or a heading when it is one line starting with `#`."""
    match = _HEADING.match(body, start, end)
    if match and "\n" not in body[start:end]:
        return Block(start, end, "heading", len(match.group(1)), index)
    return Block(start, end, "para", 0, index)


def paragraphs(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph and heading, in order: paragraph n is item n."""
    return [(b.start, b.end) for b in blocks(body) if b.kind != "gap"]


def decorations(body: str, block: Block) -> list[Decoration]:
    """The markdown markers and emphasis inside a paragraph or heading, by offsets (non-overlapping
    markers; emphasis ranges may nest inside strong ones)."""
    if block.kind == "gap":
        return []
    out: list[Decoration] = []
    inner_start = block.start
    if block.kind == "heading":
        match = _HEADING.match(body, block.start, block.end)
        if match:
            out.append(Decoration(block.start, match.end(), "md"))
            inner_start = match.end()
    text = body[inner_start:block.end]
    taken: list[tuple[int, int]] = []
    for pattern, style in ((_STRONG, "strong"), (_EM, "em")):
        for match in pattern.finditer(text):
            a, b = inner_start + match.start(), inner_start + match.end()
            marker = 2 if style == "strong" else 1
            if any(a < t_end and t_start < b and not (t_start <= a and b <= t_end) for t_start, t_end in taken):
                continue  # crosses another emphasis: leave it as text
            if any(t_start in (a, b - marker) or t_end in (a + marker, b) for t_start, t_end in taken):
                continue  # the `*` of a `**`: already a marker
            taken.append((a, b))
            out.append(Decoration(a, a + marker, "md"))
            out.append(Decoration(a + marker, b - marker, style))
            out.append(Decoration(b - marker, b, "md"))
    return sorted(out, key=lambda d: (d.start, -d.end))


def paragraph_of(body: str, offset: int) -> int | None:
    """The number of the paragraph holding `offset`, or None when it falls in a gap."""
    for number, (start, end) in enumerate(paragraphs(body)):
        if start <= offset < end:
            return number
    return None


def span_warnings(body: str, start: int, end: int) -> list[str]:
    """Why a span may be a mistake: "paragraphs" when it crosses a paragraph break, "length"
    when longer than LONG_CLAIM_CHARS. Empty for an ordinary span."""
    found = []
    first, last = paragraph_of(body, start), paragraph_of(body, max(start, end - 1))
    if first != last or first is None:
        found.append("paragraphs")
    if end - start > LONG_CLAIM_CHARS:
        found.append("length")
    return found
