"""What the ticket page's properties form posts: every field with the value the page showed (its "initial-"
twin) and the value chosen, as a browser sends it."""

from __future__ import annotations


def _posted(value):
    """A custom-field value as the page's inputs carry it: text, one input per code for a list."""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def update_form(ticket, custom: dict | None = None, **chosen) -> dict:
    """The POST of the properties form for `ticket` (as loaded) with the `chosen` values changed; `custom` is
    {key: value} for the custom fields (`cf_<key>` inputs) changed."""
    shown = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id or "",
        "queue": ticket.queue_id,
        "category": ticket.category_id or "",
        "subcategory": ticket.subcategory_id or "",
        "escalation_level": ticket.escalation_level,
    }
    shown.update({f"cf_{key}": _posted(value) for key, value in (ticket.custom_fields or {}).items()})
    data = {f"initial-{name}": value for name, value in shown.items()}
    data.update(shown)
    data.update(chosen)
    for key, value in (custom or {}).items():
        data.setdefault(f"initial-cf_{key}", "")
        data[f"cf_{key}"] = _posted(value)
    return data
