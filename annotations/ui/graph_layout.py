"""A deterministic layered layout of a small claim graph, drawn as inline SVG by the cluster page.

Pure Python, no Django: nodes go in columns by their distance from the root claim (a question sits
half a step after the nearest claim answering it), ordered within a column by the mean row of
their neighbours already placed (the barycentre heuristic, ties by key) so that edges cross
little. A column taller than `max_rows` wraps into several. Labels are written under their node
and truncated to what fits in a column, so by construction no two labels overlap: rows are
`row_height` apart and a label never reaches the next column. Edges over several columns arch
above the nodes in between rather than run through them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

# Colours of articles (claims are coloured by their article), readable on white.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
)
LABEL_FONT_PX = 12
CHAR_PX = 6.8  # the mean advance of a 12 px sans-serif character, generously
ARCH_ROOM = 28.0  # room above the first row for edges arching over columns


@dataclass
class Node:
    """A claim or a question of the graph, before and after layout."""

    key: str
    kind: str  # "claim" or "question"
    text: str  # the full text, shown in the node's <title>
    href: str
    depth: float
    colour: str = "#546e7a"
    root: bool = False
    group: str = ""  # the article, for claims
    x: float = 0.0
    y: float = 0.0
    label: str = ""

    @property
    def radius(self) -> float:
        return 11.0 if self.root else 8.0

    @property
    def label_y(self) -> float:
        """The baseline of the label, under the node."""
        return self.y + self.radius + LABEL_FONT_PX + 3


@dataclass
class Edge:
    """A relation between two claims, or a claim's answer to a question."""

    source: str
    target: str
    kind: str  # a relation kind, or "answer"
    label: str = ""  # shown on answer edges (yes, no, …)
    css: str = ""
    path: str = ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Layout:
    width: float
    height: float
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def truncate(text: str, chars: int) -> str:
    """The text on one line, cut to `chars` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: max(1, chars - 1)].rstrip() + "…"


def layout(
    nodes: list[Node], edges: list[Edge], *, col_width: float = 230.0, row_height: float = 50.0,
    max_rows: int = 14, margin: float = 12.0,
) -> Layout:
    """Place the nodes in columns, route the edges, and truncate labels to fit their column."""
    by_key = {n.key: n for n in nodes}
    edges = [e for e in edges if e.source in by_key and e.target in by_key and e.source != e.target]
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    levels = sorted({n.depth for n in nodes})
    row_of: dict[str, float] = {}
    columns: list[list[Node]] = []
    for level in levels:
        members = [n for n in nodes if n.depth == level]

        def order(n: Node) -> tuple:
            placed = [row_of[m] for m in neighbours[n.key] if m in row_of]
            centre = sum(placed) / len(placed) if placed else math.inf
            return (not n.root, centre, n.group, n.key)

        members.sort(key=order)
        for i in range(0, len(members), max_rows):
            chunk = members[i : i + max_rows]
            for row, n in enumerate(chunk):
                row_of[n.key] = row + (max_rows - len(chunk)) / 2 if len(members) > max_rows else row
            columns.append(chunk)
    tallest = max((len(c) for c in columns), default=1)
    height = 2 * margin + ARCH_ROOM + max(1, tallest) * row_height
    width = 2 * margin + max(1, len(columns)) * col_width
    label_chars = int((col_width - 12) / CHAR_PX)
    column_of: dict[str, int] = {}
    for c, column in enumerate(columns):
        offset = (tallest - len(column)) / 2  # centre short columns
        for row, n in enumerate(column):
            n.x = margin + (c + 0.5) * col_width
            n.y = margin + ARCH_ROOM + (row + offset) * row_height + 14
            n.label = truncate(n.text, label_chars)
            column_of[n.key] = c
    for e in edges:
        a, b = by_key[e.source], by_key[e.target]
        if a.x > b.x:
            a, b = b, a
        span = abs(column_of[b.key] - column_of[a.key])
        if span == 0:  # same column: an arc bulging to the left, between the columns
            bulge = min(col_width * 0.45, 24 + abs(a.y - b.y) * 0.2)
            c1 = (a.x - bulge, a.y)
            c2 = (b.x - bulge, b.y)
        else:
            # Edges over more than one column arch above the nodes between their ends.
            lift = 0.0 if span == 1 else min(ARCH_ROOM * 1.6, 12.0 * span + 8)
            dx = (b.x - a.x) / 2
            c1 = (a.x + dx, a.y - lift)
            c2 = (b.x - dx, b.y - lift)
        e.path = (f"M{a.x:.1f},{a.y:.1f} C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} "
                  f"{b.x:.1f},{b.y:.1f}")
        # The label sits on the curve's middle, just above it.
        e.label_x = (a.x + 3 * c1[0] + 3 * c2[0] + b.x) / 8
        e.label_y = (a.y + 3 * c1[1] + 3 * c2[1] + b.y) / 8 - 4
    return Layout(width=width, height=height, nodes=[n for col in columns for n in col], edges=edges)


def label_box(n: Node) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) a node's label takes, as drawn by the template: centred below it."""
    half = len(n.label) * CHAR_PX / 2
    top = n.label_y - LABEL_FONT_PX * 0.85
    return (n.x - half, top, n.x + half, top + LABEL_FONT_PX * 1.2)
