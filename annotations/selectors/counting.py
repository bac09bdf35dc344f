"""Counts that stop, and pages that continue from a row: a page never reads a million rows.

A figure past `COUNT_CAP` shows as "1000+" (a `Tally` with `more` set): counting up to the cap
costs the same at 50,000 rows as at 1,000,000 (a few milliseconds even where each row needs a
check, as the queue's open claims do), where a full COUNT grows with the project. Lists paginate
with `BoundedPaginator`, which counts only as far as the page after the one asked for, and at
least to the cap, so "Page 1 of 40+" costs what page 1 costs. A list in its own order (a
`Keyset`: unique key columns, ascending) links its next and previous pages by the key of their
neighbouring row (`?page=3&after=…`), so a page a million rows deep reads one page of the index
instead of skipping every row before it; a page number typed without a key is an OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, IntegerField, QuerySet, Subquery
from django.db.models.expressions import RawSQL

COUNT_CAP = 1_000


class Tally(int):
    """A count that may have stopped at the cap: an int (exact up to it) that prints "N+" past it."""

    more: bool

    def __new__(cls, n: int, more: bool = False) -> Tally:
        tally = super().__new__(cls, n)
        tally.more = more
        return tally

    def __str__(self) -> str:
        return f"{int(self)}+" if self.more else str(int(self))

    def __repr__(self) -> str:
        return f"Tally({int(self)}, more={self.more})"


def tally(n: int, cap: int | None = None) -> Tally:
    """A count of up to `cap` + 1 rows as a Tally: the cap with `more` when it went past."""
    cap = COUNT_CAP if cap is None else cap
    return Tally(cap, more=True) if n > cap else Tally(n)


def bounded_count(qs: QuerySet[Any], cap: int | None = None) -> Tally:
    """COUNT of the queryset's rows, stopping after `cap` + 1 (one query, no ordering)."""
    cap = COUNT_CAP if cap is None else cap
    return tally(qs.order_by().values("pk")[: cap + 1].count(), cap)


class BoundedCount(Subquery):
    """A (correlated) COUNT of the queryset's rows, stopping after `cap` + 1; read it with tally().

    `field` is the column kept (a grouped queryset keeps its grouping column).
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _bounded)"

    def __init__(self, qs: QuerySet[Any], cap: int | None = None, *, field: str = "pk", **extra: Any) -> None:
        cap = COUNT_CAP if cap is None else cap
        super().__init__(qs.order_by().values(field)[: cap + 1], output_field=IntegerField(), **extra)


@dataclass(frozen=True)
class Keyset:
    """A list's order as integer columns of its model, unique together, all ascending."""

    columns: tuple[str, ...]  # attribute names, which are also the column names: ("id",)
    # Foreign keys among the columns whose table the list joins already ("article" for
    # "article_id"): the bound is repeated on that table's primary key, so the planner starts its
    # scan there too (PostgreSQL carries equalities across a join, not ranges: without it, a merge
    # join reads every article before the key). Raw SQL on the table's own name, as the rows are.
    echo: tuple[str, ...] = ()

    def encode(self, row: Any) -> str:
        return "-".join(str(getattr(row, c)) for c in self.columns)

    def decode(self, raw: str | None) -> tuple[int, ...] | None:
        """The key in a URL, or None when it is missing or malformed (the list starts over)."""
        parts = (raw or "").split("-")
        if len(parts) != len(self.columns) or not all(p.isdigit() and len(p) < 19 for p in parts):
            return None
        return tuple(int(p) for p in parts)

    def beyond(self, qs: QuerySet[Any], key: tuple[int, ...], *, forward: bool) -> QuerySet[Any]:
        """The rows after the key in list order (forward) or before it, nearest first.

        A row-value comparison, which PostgreSQL and SQLite (3.15+) take as a range of the index
        on these columns, where the same condition as ORs makes PostgreSQL filter from the start.
        """
        table = qs.model._meta.db_table
        columns = ", ".join(f'"{table}"."{c}"' for c in self.columns)
        marks = ", ".join(["%s"] * len(key))
        sql = f"({columns}) {'>' if forward else '<'} ({marks})"
        order = self.columns if forward else tuple(f"-{c}" for c in self.columns)
        conditions = [RawSQL(sql, key, output_field=BooleanField())]
        for name in self.echo:
            field = qs.model._meta.get_field(name)
            column = self.columns.index(field.attname)
            target = field.related_model._meta
            sql = f'"{target.db_table}"."{target.pk.column}" {">=" if forward else "<="} %s'
            conditions.append(RawSQL(sql, (key[column],), output_field=BooleanField()))
        return qs.filter(*conditions).order_by(*order)


class ListPage(Page):
    """A page that may know the keys its neighbours continue from (None: link by number)."""

    next_after: str | None = None
    previous_before: str | None = None


class BoundedPaginator(Paginator):
    """A paginator that counts only up to the page after the one asked for, and at least `cap`.

    `count` is exact when the list ends before that, and a Tally with `more` otherwise, so page 1
    costs the same however long the list is (a deep page's OFFSET still reads the rows before
    it); a page past the end is the last page, as with Django's. `known`, a bounded count made
    already, is used instead of counting again when it reaches far enough. With a `keyset` (the
    list's order), pages link their neighbours by key and get_page_from() reads them by key.
    """

    def __init__(
        self, object_list: Any, per_page: int, *, cap: int | None = None, known: Tally | None = None,
        keyset: Keyset | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.known = known
        self.keyset = keyset
        self._upto = self.cap
        self._probed: tuple[int, list[Any]] | None = None  # (page number, ids from its first row) by _probe

    def _reach(self, number: Any) -> None:
        """Count far enough to know whether page `number` exists, and the next one (for its
        link); a count that stopped short of that is made again, an exact one never is."""
        try:
            wanted = max(int(number), 1)
        except (TypeError, ValueError):
            wanted = 1
        needed = max(self.cap, (wanted + 1) * self.per_page)
        if needed > self._upto:
            self._upto = needed
            counted = self.__dict__.get("_count")
            if counted is not None and counted.more:
                del self.__dict__["_count"]

    def get_page(self, number: Any) -> ListPage:
        self._reach(number)
        self._probe(number)
        page = super().get_page(number)
        assert isinstance(page, ListPage)  # page() makes them
        return page

    def _probe(self, number: Any) -> None:
        """For a page past the first `cap` rows, read its ids and up to `cap` ids after them in
        one OFFSET, and count from that, instead of counting up to the page and then skipping to
        it again (two reads of every row before it; 115 ms each at row 500,000 of a million).
        A page past the end finds no ids and is left to the count, as before."""
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return
        items, bottom = self.object_list, (wanted - 1) * self.per_page
        if bottom <= self.cap or not isinstance(items, QuerySet) or "_count" in self.__dict__:
            return
        known = self.known
        if known is not None and (not known.more or known >= self._upto):
            return  # counted already, at no cost
        reach = self.per_page + self.cap
        ids = list(items.values_list("pk", flat=True)[bottom : bottom + reach + 1])
        if ids:
            self.__dict__["_count"] = Tally(bottom + min(len(ids), reach), more=len(ids) > reach)
            self._probed = (wanted, ids)

    @property
    def count(self) -> Tally:
        if "_count" not in self.__dict__:
            self.__dict__["_count"] = self._bounded()
        return self.__dict__["_count"]

    def _bounded(self) -> Tally:
        known = self.known
        if known is not None and (not known.more or known >= self._upto):
            return known
        items = self.object_list
        if isinstance(items, QuerySet):
            return bounded_count(items, self._upto)
        return tally(len(items), self._upto)

    def page(self, number: Any) -> ListPage:
        """A page past the first `cap` rows is read in two steps: its ids (OFFSET over the bare
        ordered ids), then its rows by id, so per-row annotations are computed for its rows only
        (PostgreSQL computes them for every row an OFFSET skips: 0.8 s instead of 0.1 s at row
        500,000). Nearer pages are one query, as with Django's paginator."""
        self._reach(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if bottom <= self.cap or not isinstance(items, QuerySet):
            return self._linked(ListPage(list(items[bottom:top]), number, self))
        probed = self._probed
        if probed is not None and probed[0] == number:
            ids = probed[1][: top - bottom]
        else:
            ids = list(items.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in items.filter(pk__in=ids).order_by()} if ids else {}
        return self._linked(ListPage([found[pk] for pk in ids if pk in found], number, self))

    def _linked(self, page: ListPage) -> ListPage:
        """The page with the keys its neighbours continue from, when the list has a keyset
        (page 2's previous page is page 1 by number, no key needed)."""
        rows = page.object_list
        if self.keyset is not None and rows:
            if page.has_next():
                page.next_after = self.keyset.encode(rows[-1])
            if page.number > 2:
                page.previous_before = self.keyset.encode(rows[0])
        return page

    def get_page_from(self, number: Any, *, after: str | None = None, before: str | None = None) -> ListPage:
        """The page after the row keyed `after`, or before the row keyed `before`: one page of
        the index whatever the depth, numbered `number` for show. Without a keyset or a valid
        key, get_page(number). The count is what precedes the page (by its number) plus what
        follows it, counted up to `cap` rows, so it stays bounded too; a key past either end
        (rows deleted since) starts over at page 1."""
        keyset, items = self.keyset, self.object_list
        forward = bool(after)
        key = keyset.decode(after if forward else before) if keyset is not None else None
        if keyset is None or key is None or not isinstance(items, QuerySet):
            return self.get_page(number)
        try:
            number = max(int(number), 2)
        except (TypeError, ValueError):
            number = 2
        rows = list(keyset.beyond(items, key, forward=forward)[: self.per_page + 1])
        further = len(rows) > self.per_page  # in the direction read
        rows = rows[: self.per_page]
        if not rows:
            return self.get_page(1)
        if not forward:
            rows.reverse()
            if not further:
                number = 1  # nothing precedes these rows: they are the first page
        last = keyset.decode(keyset.encode(rows[-1]))
        assert last is not None
        if forward and not further:
            later = Tally(0)
        else:
            later = bounded_count(keyset.beyond(items, last, forward=True), self.cap)
        self.__dict__["_count"] = Tally((number - 1) * self.per_page + len(rows) + later, more=later.more)
        return self._linked(ListPage(rows, number, self))

    @property
    def num_pages(self) -> Tally:
        count = self.count
        pages = super().num_pages
        return Tally(pages, more=count.more)
