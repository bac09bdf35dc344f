"""Split an article into sentence and clause spans (code-point offsets), French typography aware."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .types import Segment

# Titles are always followed by a name, so a period after them never ends a sentence.
TITLE_ABBREVIATIONS: frozenset[str] = frozenset(
    """m mm mme mmes mlle mlles dr drs pr mgr st ste sts mr mrs ms messrs prof gen gén col
    lt sgt capt cpt gov sen rep rev hon jr sr fr mt""".split()
)
# Date abbreviations only ever precede a day number or a year ("ven. 07 nov. 2025"); before a
# capitalised word they may be a real sentence end ("Ils étaient sept. Le lendemain…").
DATE_ABBREVIATIONS: frozenset[str] = frozenset(
    """lun mar mer jeu ven sam dim janv jan fév févr feb avr apr juil jul aug sep sept oct nov
    déc dec mon tue tues wed thu thur thurs fri sat sun""".split()
)
# Reference abbreviations precede a number or a word in running text.
OTHER_ABBREVIATIONS: frozenset[str] = frozenset(
    """cf vol vols no nos nº art av bd env ex fig figs éd ed eds coll chap ch vs approx dept
    inc ltd co corp sq pp resp""".split()
)

_HEADING_MARK = re.compile(r"[ \t\u00a0]*#{1,6}[ \t\u00a0]+")
_BULLET_MARK = re.compile(r"[ \t\u00a0]*(?:[-*+•·‣▪◦–—]|\d{1,3}[.)]|[a-z][.)])[ \t\u00a0]+")
# A run of terminal punctuation (or a clause-ending semicolon), then closing quotes, brackets or
# emphasis. French closing guillemets follow a (non-breaking) space: "en Alaska. »"; German closes
# with “ or « right after the period: "ein.“".
_TERMINAL = re.compile(r"(?:[.!?…]+|;)(?:[ \u00a0\u202f]*»|[”“«\"’‘)\]*_])*(?=\s)")
_WORD_BEFORE = re.compile(r"([^\W_]+(?:\.[^\W_]+)*)[.]*$")
_OPENERS = "«“„‚‹›»\"‘'([¿¡*_—–-#"
_TERMINAL_END = frozenset(".!?…")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", re.S)
_HAS_WORD = re.compile(r"[^\W_]")
_MAX_HEADING_WORDS = 20


class _Block:
    """One paragraph: its content range without list/heading markers and its layout flags."""

    __slots__ = ("start", "end", "heading", "bullet", "lines")

    def __init__(self, start: int, end: int, heading: bool, bullet: bool) -> None:
        """A one-line paragraph; `end` and `lines` grow when the next line continues it."""
        self.start, self.end, self.heading, self.bullet, self.lines = start, end, heading, bullet, 1


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of every line, without its newline."""
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            yield pos, n
            return
        yield pos, nl
        pos = nl + 1


def _blocks(text: str) -> list[_Block]:
    """Group lines into paragraphs, re-joining markdown hard breaks and broken lines."""
    blocks: list[_Block] = []
    prev_hard_break = False  # previous non-blank line ended with two spaces (markdown <br>)
    blank_since = True
    for ls, le in _lines(text):
        line = text[ls:le]
        if not line.strip():
            blank_since = True
            prev_hard_break = False
            continue
        heading = bullet = False
        cs = ls
        m = _HEADING_MARK.match(text, ls, le)
        if m:
            heading, cs = True, m.end()
        else:
            m = _BULLET_MARK.match(text, ls, le)
            if m and m.end() < le:
                bullet, cs = True, m.end()
        ce = le
        while ce > cs and text[ce - 1].isspace():
            ce -= 1
        while cs < ce and text[cs].isspace():
            cs += 1
        if cs >= ce:
            continue
        prev = blocks[-1] if blocks else None
        first = text[cs]
        joins = False
        if prev is not None and not heading and not bullet and not prev.heading:
            if prev_hard_break and not blank_since:
                joins = True  # "…interview with  \nUltrahang Youtube Channel" is one line
            elif first.islower() and (text[prev.end - 1].islower() or text[prev.end - 1] == ","):
                joins = True  # a sentence cut by a stray line break: "… sur\n\nla détermination"
        if joins and prev is not None:
            prev.end = ce
            prev.lines += 1
        else:
            blocks.append(_Block(cs, ce, heading, bullet))
        bare = line.rstrip("\r")
        prev_hard_break = bare.endswith("  ") or bare.endswith("\t")
        blank_since = False
    for b in blocks:
        if not b.heading and b.lines == 1 and text[b.end - 1] not in _TERMINAL_END:
            # A short line without final punctuation is a title, caption or navigation text.
            if len(text[b.start:b.end].split()) <= _MAX_HEADING_WORDS and not b.bullet:
                b.heading = True
    return blocks


def _is_boundary(text: str, start: int, m: re.Match[str], end: int, ordinal_dots: bool) -> bool:
    """Decide whether the punctuation run `m` ends a sentence."""
    punct = m.group(0)
    j = m.end()
    while j < end and text[j].isspace():
        j += 1
    if j >= end:
        return False  # the paragraph end is handled by the caller
    nxt = text[j]
    if punct[0] == ";":
        return True
    # Sentences start with a capital, an opening quote or bracket, or a symbol such as an emoji.
    upper_next = nxt.isupper() or nxt in _OPENERS or unicodedata.category(nxt) == "So"
    if punct[0] in "?!…" or punct.startswith(".."):
        # "…beaucoup de morts ! – une grande partie" and "annulé… — en dépit de" go on.
        return upper_next and nxt not in "—–-"
    # A single period: check the word in front of it.
    wm = _WORD_BEFORE.search(text, max(start, m.start() - 40), m.start() + 1)
    word = wm.group(1) if wm else ""
    low = word.lower()
    if nxt.isdigit():
        if low in DATE_ABBREVIATIONS or low in OTHER_ABBREVIATIONS or low in TITLE_ABBREVIATIONS:
            return False
        return not (len(word) == 1 and word.isalpha())
    if not upper_next:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. D. Vance", "M. Rubio"
    if "." in word and all(p.isalpha() and len(p) <= 3 for p in word.split(".")):
        return False  # dotted acronym: "U.S. officials", "e.g. Paris"
    if low in TITLE_ABBREVIATIONS:
        return False
    if ordinal_dots and word.isdigit() and len(word) <= 2:
        return False  # "am 3. März" in languages that write ordinals with a dot
    return True


def _quote_balance(text: str, start: int, end: int) -> int:
    """Opening minus closing guillemets/curly double quotes in text[start:end]."""
    chunk = text[start:end]
    return chunk.count("«") - chunk.count("»") + chunk.count("“") - chunk.count("”")


def _trim(text: str, s: int, e: int) -> tuple[int, int, bool]:
    """Strip whitespace, trailing ';' and an emphasis pair wrapping the whole span."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] == ";"):
        e -= 1
    emphasis = False
    m = _EMPHASIS.fullmatch(text, s, e)
    if m and m.group(1) not in m.group(2):
        s, e, emphasis = m.start(2), m.end(2), True
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
    return s, e, emphasis


def segment(text: str, *, ordinal_dots: bool = False) -> list[Segment]:
    """Split text into sentence/clause spans; `ordinal_dots` keeps "3. März" together."""
    out: list[Segment] = []
    for bi, b in enumerate(_blocks(text)):
        cuts: list[int] = []
        depth, counted = 0, b.start  # open quotes up to `counted`, kept incrementally (linear)
        for m in _TERMINAL.finditer(text, b.start, b.end):
            if m.group(0)[0] == ";":
                depth += _quote_balance(text, counted, m.start())
                counted = m.start()
                if depth > 0:
                    continue  # a semicolon inside a quotation does not end the speaker's clause
            if _is_boundary(text, b.start, m, b.end, ordinal_dots):
                cuts.append(m.end())
        pieces: list[tuple[int, int, bool]] = []
        s = b.start
        for c in cuts + [b.end]:
            ts, te, emph = _trim(text, s, c)
            if te > ts and _HAS_WORD.search(text, ts, te):
                pieces.append((ts, te, emph))
            s = c
        last = len(pieces) - 1
        for k, (ts, te, emph) in enumerate(pieces):
            out.append(Segment(ts, te, bi, b.heading, b.bullet, emph, k == 0, k == last))
    return out
