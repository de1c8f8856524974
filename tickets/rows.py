"""The queue table's rows as plain dicts of display strings, built in one pass over a page of tickets.

The table is the hottest template of the desk: fifty rows of a dozen cells. Resolving model attributes, display
methods and localised numbers through the template engine cost about 15 ms a page; looking up ready strings in
dicts costs a fraction of it. The queue page's rows are also written here as markup (`queue_row_html`): even
from dicts, some twenty-five variables and conditions a row through the engine were a third of the page's
render (4 ms of 12 in a profile); one format string per row, every value escaped, is a tenth of that.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tenancy import times
from tickets.lifecycle import Status
from tickets.models import Channel, Priority

STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
CHANNEL_LABELS = dict(Channel.choices)

# One relative format everywhere (tenancy.times); the names stay importable from here.
short_duration = times.short_duration
age_label = times.relative_label
due_label = times.due_label


def truncate(text: str, length: int) -> str:
    """At most `length` characters, the last an ellipsis when cut (as the truncatechars filter)."""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def queue_rows(tickets: list[dict], *, prefix: str, url_prefix: str, now: datetime) -> list[dict]:
    """One dict per ticket with every string the queue table shows (tickets read by selectors.list_row_values)."""
    rows = []
    zone = timezone.get_current_timezone()  # the viewer's, read once: a hundred exact times a page
    for ticket in tickets:
        next_due_at, updated_at = ticket["next_due_at"], ticket["updated_at"]
        due, overdue = due_label(next_due_at, now) if next_due_at else ("", False)
        # An app may annotate `risk_at` (sla: the earliest warning of a running target; see LIST_ANNOTATIONS).
        risk_at = ticket.get("risk_at")
        risk = "red" if overdue else "amber" if risk_at is not None and risk_at <= now else ""
        meta = ticket["queue__name"]
        if ticket["category_id"]:
            meta += f" · {ticket['category__name']}"
        channel, status, priority = ticket["channel"], ticket["status"], ticket["priority"]
        rows.append(
            {
                "pk": ticket["id"],
                "ref": f"{prefix}-{ticket['number']}",
                "url": f"{url_prefix}{ticket['number']}/",
                "subject": ticket["subject"],
                "meta": f"{meta} · {CHANNEL_LABELS.get(channel, channel)}",
                "escalated": ticket["escalation_level"] > 0,
                "requester": ticket["contact__name"] or ticket["contact__email"] or "—",
                "vip": ticket["contact__tier"] == "vip",
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "priority": priority,
                "priority_label": PRIORITY_LABELS.get(priority, ""),
                # No assignee: both None (the join found no one).
                "assignee": ticket["assignee__user__full_name"] or ticket["assignee__user__email"] or "",
                "due_iso": next_due_at.isoformat() if next_due_at else "",
                "due_exact": times.exact_label(next_due_at, zone) if next_due_at else "",
                "due": due,
                "overdue": overdue,
                "risk": risk,
                "updated_iso": updated_at.isoformat(),
                "updated_exact": times.exact_label(updated_at, zone),
                "updated": age_label(updated_at, now),
            }
        )
    return rows


def queue_row_html(row: dict) -> str:
    """The queue table's <tr> for one row of queue_rows, every value escaped (html.escape: what the template's
    autoescape gives for these plain strings). Same markup as the search page's table, plus the bulk checkbox,
    the escalation badge, the due cell and the SLA flag."""
    ref, url, subject = escape(row["ref"]), escape(row["url"]), escape(row["subject"])
    if row["due"]:
        overdue = ' class="is-overdue"' if row["overdue"] else ""
        due = (
            f'<time datetime="{escape(row["due_iso"])}" title="{escape(row["due_exact"])}"{overdue}>'
            f"{escape(row['due'])}</time>{RISK_FLAGS.get(row['risk'], '')}"
        )
    else:
        due = '<span class="muted">—</span>'
    assignee = (
        f'<span class="truncate">{escape(row["assignee"])}</span>'
        if row["assignee"]
        else '<span class="muted">Unassigned</span>'
    )
    return (
        f"<tr{ESCALATED_ROW if row['escalated'] else ''}>\n"
        f'              <td class="tickets-table__check"><input type="checkbox" name="ids" value="{row["pk"]}" '
        f'data-bulk-row data-ref="{ref}" aria-label="Select {ref}"></td>\n'
        f'              <td class="tickets-table__num"><a href="{url}">{ref}</a></td>\n'
        f'              <td class="tickets-table__subject"><div class="tickets-table__line">'
        f'<a class="tickets-table__link" href="{url}" title="{subject}">{subject}</a>'
        f"{ESCALATED_BADGE if row['escalated'] else ''}"
        f'<span class="tickets-table__meta"><span class="tickets-table__ref"><span>{ref}</span> · </span>'
        f"{escape(row['meta'])}</span></div></td>\n"
        f'              <td class="tickets-table__requester"><span class="truncate">{escape(row["requester"])}</span>'
        f"{VIP_BADGE if row['vip'] else ''}</td>\n"
        f'              <td class="tickets-table__status"><span class="badge status status--{escape(row["status"])}">'
        f"{escape(row['status_label'])}</span></td>\n"
        f'              <td class="tickets-table__priority"><span class="priority priority--{row["priority"]}">'
        f"{escape(row['priority_label'])}</span></td>\n"
        f'              <td class="tickets-table__assignee">{assignee}</td>\n'
        f'              <td class="tickets-table__due">{due}</td>\n'
        f'              <td class="tickets-table__updated"><time datetime="{escape(row["updated_iso"])}" '
        f'title="{escape(row["updated_exact"])}">{escape(row["updated"])}</time></td>\n'
        "            </tr>\n"
    )


ESCALATED_ROW = ' class="is-escalated"'
ESCALATED_BADGE = '<span class="badge badge--danger">Escalated</span>'
VIP_BADGE = ' <span class="badge badge--warning">VIP</span>'
RISK_FLAGS = {
    "red": ' <span class="badge badge--danger sla-flag" data-sla-risk="red">Breached</span>',
    "amber": ' <span class="badge badge--warning sla-flag" data-sla-risk="amber">At risk</span>',
}


def queue_rows_html(rows: list[dict]) -> SafeString:
    """The queue table's body rows, ready for the page (each value escaped by queue_row_html)."""
    return mark_safe("            ".join(queue_row_html(row) for row in rows))  # noqa: S308 - escaped above
