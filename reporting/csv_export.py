"""CSV that is safe to open in a spreadsheet, streamed so a large export holds neither memory nor a worker.

A cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) is
prefixed with an apostrophe, the OWASP "CSV injection" advice: the text stays readable and nothing runs. Numbers
are written as numbers (a negative amount is not a formula), so only strings are neutralised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """One cell as a spreadsheet should see it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """The file-like object csv.writer wants; `write` hands the formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The export as text lines: the header, then each row neutralised. Starts with a BOM so Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def streamed_csv(*, filename: str, header: Iterable[str], rows: Iterable[Iterable[object]]) -> StreamingHttpResponse:
    """A download response that writes rows as they are produced (pass an iterator over a server-side cursor,
    e.g. `queryset.values_list(...).iterator(chunk_size=2000)`, to keep memory flat)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    safe_name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename) or "export.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
