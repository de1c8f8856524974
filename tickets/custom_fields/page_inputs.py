"""The ticket page's custom-field inputs (tickets/_custom_fields.html of a TicketCustomFieldsForm), written once per
process for each set of active definitions, values and language.

Django's widgets build a context per input (a dict per <option>, their attrs copied) and the form a bound field
per input: the inputs were a sixth of the ticket page's render, for markup that is a function of the tenant's
active definitions and the ticket's values alone. Both are in the key (definitions are frozen values: a renamed
field, a changed choice or category link is another key), so there is nothing to forget: an entry no ticket shows
any more leaves the least-recently-used map."""

from __future__ import annotations

import functools
import json

from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from tickets.custom_fields.definitions import FieldDef, active_fields
from tickets.forms import TicketCustomFieldsForm

TEMPLATE = "tickets/_custom_fields.html"


def custom_field_inputs(ticket) -> SafeString:
    """The inputs of the ticket's active custom fields, each with its "initial-" twin, as the properties form shows
    them (empty when the tenant has none)."""
    fields = active_fields()
    if not fields:
        return mark_safe("")
    values = ticket.custom_fields or {}
    shown = {field.key: values[field.key] for field in fields if field.key in values}
    # JSON text: the values came from a JSON column, so they read back the same, and a list becomes hashable.
    return _inputs(fields, json.dumps(shown, sort_keys=True), translation.get_language())


@functools.lru_cache(maxsize=1024)
def _inputs(fields: tuple[FieldDef, ...], values: str, language: str | None) -> SafeString:
    ticket = _Values(json.loads(values))
    form = TicketCustomFieldsForm(ticket=ticket, fields=fields)
    return mark_safe(get_template(TEMPLATE).render({"update_form": form}))  # noqa: S308 - the template escapes


class _Values:
    """What TicketCustomFieldsForm reads of a ticket."""

    def __init__(self, custom_fields: dict) -> None:
        self.custom_fields = custom_fields
