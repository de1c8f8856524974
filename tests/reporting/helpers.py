from __future__ import annotations

from datetime import date

from django.http import QueryDict
from django.utils.http import urlencode

from reporting.reports.filters import ReportFilters
from tenancy.context import tenant_context
from tests.sla.conftest import berlin

NOW = berlin(2025, 1, 20, 12)
PERIOD = {"start": "2025-01-06", "end": "2025-01-19", "interval": "day"}


def filters(tenant, **params) -> ReportFilters:
    return ReportFilters(QueryDict(urlencode({**PERIOD, **params})), tenant=tenant, today=date(2025, 1, 19))


def build(tenant, builder, **params):
    with tenant_context(tenant):
        return builder(filters(tenant, **params), now=NOW)


def section(report, title: str):
    return next(s for s in report.sections if s.title == title)


def row(report, title: str, label: str) -> list:
    """The cell values of one row of a section's table."""
    cells = dict(section(report, title).table.rows)[label]
    return [cell.value for cell in cells]
