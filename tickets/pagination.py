"""Numbered pages that stay fast deep into a large queue: no full count, one extra row to know if more follow."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Count, QuerySet, Window

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool
    count: int  # capped: `count_capped` says whether there are more; a lower bound when not `count_known`
    count_capped: bool
    per_page: int
    count_known: bool = True  # False: the list was not counted past this page (it says "of many")

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def last_known_page(self) -> int:
        pages = max(1, -(-self.count // self.per_page))
        return max(pages, self.number + (1 if self.has_next else 0))

    def page_numbers(self) -> list[int | None]:
        """1 … n-2 n-1 n n+1 n+2 … last (None marks a gap)."""
        last = self.last_known_page
        wanted = {1, last, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= last)
        shown: list[int | None] = []
        for n in numbers:
            if shown and n - shown[-1] > 1:
                shown.append(None)
            shown.append(n)
        return shown


def paginate(
    queryset: QuerySet,
    page: str | int | None,
    *,
    count: int | Callable[[], int] | None,
    cap: int,
    load: Callable[[list[int]], Iterable],
    per_page: int = PER_PAGE,
    pk: Callable = attrgetter("pk"),
    count_in_page: bool = False,
    load_counting: Callable[[list[int]], tuple[list, int | None]] | None = None,
) -> Page:
    """The page's rows: their ids in the list's order first, then the rows by id (`load(ids)`; `pk(row)` says
    a row's id: model instances by default, `itemgetter("id")` for dicts). `count`: the capped count, or a
    function that counts, called only when this page does not show where the list ends (a search that finds a
    page or less, a short queue: one statement fewer, and for a rare word or a phrase the one that reads every
    candidate again). `count_in_page`: the page's statement counts the list too (a window count), for a list
    whose page reads every row anyway (tickets.search.reads_every_match). `load_counting(ids)`: the rows and the
    capped count from one statement (the rows' statement counts the list in a scalar subquery), used instead of
    `load` and `count()` when the count is needed: one round trip fewer, and the count is still read only then;
    a count of None (no row came back) falls back to `count()`. `count=None`: the list is not counted past the
    page (a walked search, tickets.search.skips_count); its count is then known only where a page shows the end."""
    try:
        number = min(max(int(page or 1), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    # Ids first: a deep page then skips over index entries only, and the joins run for one page of rows.
    if count_in_page:
        rows = list(
            queryset.annotate(page_count=Window(Count("pk"))).values_list("pk", "page_count")[
                offset : offset + per_page + 1
            ]
        )
        ids = [row[0] for row in rows]
        if rows:
            count = min(rows[0][1], cap + 1)
    else:
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + per_page + 1])
    shown = ids[:per_page]
    loaded_rows = None
    count_known = True
    if count is None or callable(count):
        ends_here = len(ids) <= per_page and (shown or number == 1)
        if ends_here:
            count = min(offset + len(shown), cap + 1)
        elif count is None:
            count, count_known = offset + len(shown), False
        else:
            counted = None
            if load_counting is not None and shown:
                loaded_rows, counted = load_counting(shown)
            count = count() if counted is None else min(counted, cap + 1)
    if loaded_rows is None:
        loaded_rows = load(shown) if shown else ()
    loaded = {pk(row): row for row in loaded_rows}
    return Page(
        rows=[loaded[pk] for pk in shown if pk in loaded],
        number=number,
        has_next=len(ids) > per_page,
        count=count,
        count_capped=count_known and count > cap,
        per_page=per_page,
        count_known=count_known,
    )
