"""What the ticket page's properties form posts: every field with the value the page showed (its "initial-"
twin) and the value chosen, as a browser sends it."""

from __future__ import annotations


def update_form(ticket, **chosen) -> dict:
    """The POST of the properties form for `ticket` (as loaded) with the `chosen` values changed."""
    shown = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id or "",
        "queue": ticket.queue_id,
        "category": ticket.category_id or "",
        "subcategory": ticket.subcategory_id or "",
        "escalation_level": ticket.escalation_level,
    }
    data = {f"initial-{name}": value for name, value in shown.items()}
    data.update(shown)
    data.update(chosen)
    return data
