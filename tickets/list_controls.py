"""The queue page's filter controls (the sort menu and the "More filters" grid) as HTML, kept per process.

Fourteen filters of checkboxes, menus of every staff member, queue, team and category, and date ranges: 4 ms of
the queue page's Python on every request (BoundFields, values, errors, every label and value escaped), for
markup that is the same whenever the same filters are applied to the same lists. It is kept under everything
it is made of: the tenant, the form class (built per tenant and per version of its custom fields,
tickets.filters), the submitted filters and every choice offered; a renamed queue or a new staff member is a
new key, and the least recently used markup goes.
"""

from __future__ import annotations

from django.http import QueryDict
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from tenancy.context import current_tenant_id
from tenancy.process_copies import ProcessCopies
from tickets.lifecycle import Status
from tickets.models import Priority
from tickets.templatetags.desk import filter_field

KEPT = ProcessCopies(128)

# Submitted values that no control of the grid or the sort menu shows: the search box is written by the page
# (its value is the request's), the page number and the saved view are links' business.
NOT_SHOWN = frozenset({"q", "page", "saved"})

# The grid's fields as the template laid them out, one per line.
SEPARATOR = "\n          "


def filter_controls(filters, choices_by_field: dict[str, list]) -> dict[str, SafeString]:
    """{"sort_html": the sort <select>, "filters_html": the grid's fields} for the page's TicketFilter, whose
    choice fields offer `choices_by_field` (the view's lists, as filter_field takes them)."""
    form = filters.form
    data: QueryDict | None = filters.data if filters.is_bound else None
    key = (
        current_tenant_id(),
        type(form),  # held by the key: a class is never reused for other fields
        None if data is None else tuple(sorted((k, tuple(data.getlist(k))) for k in data if k not in NOT_SHOWN)),
        tuple((name, tuple(choices)) for name, choices in sorted(choices_by_field.items())),
    )
    return KEPT.kept(key, lambda: render_filter_controls(form, choices_by_field))


def render_filter_controls(form, choices_by_field: dict[str, list]) -> dict[str, SafeString]:
    grid = "".join(
        f"{filter_field(field, choices_by_field)}{SEPARATOR}" for field in form if field.name not in ("q", "sort")
    )
    # Both escaped: Django's widget and filter_field escape every label and value.
    return {"sort_html": mark_safe(str(form["sort"])), "filters_html": mark_safe(grid)}  # noqa: S308


def bulk_menus(staff_choices: list, queue_choices: list, custom_fields: tuple) -> dict[str, SafeString]:
    """The bulk bar's menus made of the tenant's lists alone ({"head": assign, status, priority, queue and tag;
    "fields": a menu per active custom field}), kept per process under those lists. `queue_choices` as the
    queue filter offers them (the "Any queue" entry first)."""
    key = ("bulk", current_tenant_id(), tuple(staff_choices), tuple(queue_choices), custom_fields)
    return KEPT.kept(key, lambda: render_bulk_menus(staff_choices, queue_choices, custom_fields))


def render_bulk_menus(staff_choices: list, queue_choices: list, custom_fields: tuple) -> dict[str, SafeString]:
    head = get_template("tickets/_bulk_menus.html").render(
        {
            "staff_choices": staff_choices,
            "bulk_statuses": Status.choices,
            "bulk_priorities": Priority.choices,
            "nav_queues": len(queue_choices) > 1,  # a queue besides "Any queue"
            "filter_choices": {"queue": queue_choices},
        }
    )
    fields = get_template("tickets/_bulk_custom_fields.html").render({"custom_fields": custom_fields})
    # Rendered by the engine, which escapes every value.
    return {"head": mark_safe(head), "fields": mark_safe(fields)}  # noqa: S308
