"""The queue table's rows written in Python (tickets.rows.queue_row_html): every value escaped, every flag
the template used to write still written."""

from __future__ import annotations

from tests.tickets.test_pages import HOSTILE, live_markup
from tickets.rows import queue_row_html, queue_rows_html


def _row(**changes) -> dict:
    row = {
        "pk": 7, "ref": "ACME-7", "url": "/desk/tickets/7/", "subject": "Printer", "meta": "General · Email",
        "escalated": False, "requester": "Ann", "vip": False, "status": "open", "status_label": "Open",
        "priority": 2, "priority_label": "Normal", "assignee": "", "due_iso": "2026-12-06T10:00:00+00:00",
        "due_exact": "6 Dec 2026, 10:00", "due": "in 2 h", "overdue": False, "risk": "",
        "updated_iso": "2026-12-06T08:00:00+00:00", "updated_exact": "6 Dec 2026, 08:00", "updated": "2 h ago",
    }  # fmt: skip
    row.update(changes)
    return row


def test_queue_row_html_escapes_every_value():
    # given a row whose every string is hostile (as a subject, a requester's or an agent's name can be)
    for payload in HOSTILE:
        strings = {key: payload for key, value in _row().items() if isinstance(value, str) and key != "risk"}
        # when it is written
        html = str(queue_rows_html([_row(**strings)]))
        # then none of it is live markup, and it shows as text
        assert live_markup(f"<table>{html}</table>") == [], payload
        assert "alert(" in html


def test_queue_row_html_writes_the_flags():
    # given an escalated, overdue, breached ticket of a VIP, assigned
    row = _row(escalated=True, vip=True, overdue=True, risk="red", assignee="Bea")
    # when it is written
    html = queue_row_html(row)
    # then each flag is there
    assert '<tr class="is-escalated">' in html and '<span class="badge badge--danger">Escalated</span>' in html
    assert '<span class="badge badge--warning">VIP</span>' in html
    assert 'class="is-overdue">in 2 h</time>' in html and 'data-sla-risk="red">Breached</span>' in html
    assert '<span class="truncate">Bea</span>' in html
    assert 'name="ids" value="7" data-bulk-row data-ref="ACME-7"' in html
    # and a quiet row has none of them, with "Unassigned" and an at-risk flag when amber
    quiet = queue_row_html(_row(risk="amber"))
    assert "is-escalated" not in quiet and "VIP" not in quiet and "is-overdue" not in quiet
    assert '<span class="muted">Unassigned</span>' in quiet and 'data-sla-risk="amber">At risk</span>' in quiet
    # and a row without a deadline shows a dash and no flag
    no_deadline = queue_row_html(_row(due="", risk="red"))
    assert '<td class="tickets-table__due"><span class="muted">—</span></td>' in no_deadline
