"""The queue table's rows as plain dicts of display strings, built in one pass over a page of tickets.

The table is the hottest template of the desk: fifty rows of a dozen cells. Resolving model attributes, display
methods and localised numbers through the template engine cost about 15 ms a page; looking up ready strings in
dicts costs a fraction of it. Markup stays in the template; this module only decides the words.
"""

from __future__ import annotations

from datetime import datetime

from tenancy import times
from tickets.lifecycle import Status
from tickets.models import Channel, Priority, Ticket

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


def queue_rows(tickets: list[Ticket], *, prefix: str, url_prefix: str, now: datetime) -> list[dict]:
    """One dict per ticket with every string the queue table shows (tickets loaded with with_list_columns)."""
    rows = []
    for ticket in tickets:
        contact, assignee = ticket.contact, ticket.assignee
        due, overdue = due_label(ticket.next_due_at, now) if ticket.next_due_at else ("", False)
        # An app may annotate `risk_at` (sla: the earliest warning of a running target; see LIST_ANNOTATIONS).
        risk_at = getattr(ticket, "risk_at", None)
        risk = "red" if overdue else "amber" if risk_at is not None and risk_at <= now else ""
        meta = ticket.queue.name
        if ticket.category_id:
            meta += f" · {ticket.category.name}"
        rows.append(
            {
                "pk": ticket.pk,
                "ref": f"{prefix}-{ticket.number}",
                "url": f"{url_prefix}{ticket.number}/",
                "subject": ticket.subject,
                "meta": f"{meta} · {CHANNEL_LABELS.get(ticket.channel, ticket.channel)}",
                "escalated": ticket.escalation_level > 0,
                "requester": contact.name or contact.email or "—",
                "vip": contact.tier == "vip",
                "status": ticket.status,
                "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
                "priority": ticket.priority,
                "priority_label": PRIORITY_LABELS.get(ticket.priority, ""),
                "assignee": (assignee.user.full_name or assignee.user.email) if assignee else "",
                "due_iso": ticket.next_due_at.isoformat() if ticket.next_due_at else "",
                "due_exact": times.exact_label(ticket.next_due_at) if ticket.next_due_at else "",
                "due": due,
                "overdue": overdue,
                "risk": risk,
                "updated_iso": ticket.updated_at.isoformat(),
                "updated_exact": times.exact_label(ticket.updated_at),
                "updated": age_label(ticket.updated_at, now),
            }
        )
    return rows
