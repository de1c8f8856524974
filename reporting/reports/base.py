"""A report as plain data: sections, each with its definition in plain words, an optional chart and the table of
its numbers. Views render it, the CSV writes the same tables (long format: section, row, measure, value)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import SafeString

from reporting.reports.filters import ReportFilters

# An en dash: no value (the typographic mark, written as an escape so linters read it as meant).
EMPTY = "\u2013"


@dataclass(frozen=True)
class Cell:
    value: float | int | str | None
    text: str = ""
    href: str = ""

    @property
    def is_text(self) -> bool:
        return isinstance(self.value, str)

    @property
    def shown(self) -> str:
        if self.text:
            return self.text
        if self.value is None:
            return EMPTY
        if isinstance(self.value, float):
            return f"{self.value:,.1f}"
        return f"{self.value:,}" if isinstance(self.value, int) else str(self.value)


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)

    def add(self, label: str, *cells: Cell) -> None:
        self.rows.append((label, list(cells)))


@dataclass
class Section:
    title: str
    definition: str
    table: Table
    chart: SafeString | None = None


@dataclass
class Report:
    slug: str
    title: str
    intro: str
    sections: list[Section] = field(default_factory=list)

    def csv_rows(self) -> Iterator[list]:
        for section in self.sections:
            for label, cells in section.table.rows:
                for column, cell in zip(section.table.columns[1:], cells, strict=False):
                    yield [section.title, label, column, cell.value if cell.value is not None else ""]


CSV_HEADER = ("section", "row", "measure", "value")


def drill(f: ReportFilters, metric: str, **extra) -> str:
    """The desk URL listing the tickets behind a count: the report's filters plus the metric (and bucket)."""
    # Hundreds of links a page: the path and the filters' part of the query string are made once per report.
    if not hasattr(f, "_drill_base"):
        f._drill_base = reverse("desk:report_tickets")
    return f._drill_base + "?" + f.query(metric=metric, **extra)


def count_cell(n: int, f: ReportFilters, metric: str, **extra) -> Cell:
    return Cell(n, href=drill(f, metric, **extra) if n else "")


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return EMPTY
    seconds = float(seconds)
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def hours_cell(seconds: float | None) -> Cell:
    """A duration: the value in hours (CSV), shown in the most readable unit."""
    return Cell(None if seconds is None else round(float(seconds) / 3600, 2), text=duration_text(seconds))


def percent_cell(part: int, whole: int) -> Cell:
    if not whole:
        return Cell(None, text=EMPTY)
    value = round(100 * part / whole, 1)
    return Cell(value, text=f"{value:.1f} %")


def bucket_params(f: ReportFilters, start, end) -> dict:
    """Drill-down parameters narrowing to one bucket (local wall-clock times of the tenant)."""
    return {
        "from_time": f.period.key(start).isoformat(timespec="minutes"),
        "to_time": f.period.key(end).isoformat(timespec="minutes"),
    }
