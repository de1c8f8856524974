"""Tags of the desk's busiest pages: choice lists and mention lists written in one pass (timestamps: the
`when` and `due` filters of tenancy.templatetags.moments, a builtin).

Django's widgets render a template per <option> and per checkbox, and a timestamp through three filters took
three trips through the localisation machinery; on the queue and ticket pages that was a third of the render.
These write the same markup with format_html / format_html_join, escaping every label and value.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from tickets.models import Ticket

register = template.Library()

SELECTED = mark_safe(" selected")
CHECKED = mark_safe(" checked")
NOTHING = mark_safe("")


def _choices(field, choices):
    # iter() first: list() and a template `for` ask a ModelChoiceIterator for its len(), a COUNT query.
    return list(iter(field.field.choices if choices is None else choices))


@register.simple_tag
def select_options(field, choices=None, choices_by_field=None) -> SafeString:
    """The <option>s of a bound choice field: its own choices, or (value, label) pairs given as `choices` or
    under its name in `choices_by_field` (lists the view has loaded anyway, so the field's query is saved)."""
    if choices is None and choices_by_field:
        choices = choices_by_field.get(field.name)
    value = field.value()
    current = "" if value is None else str(value)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((str(v), SELECTED if str(v) == current else NOTHING, label) for v, label in _choices(field, choices)),
    )


@register.simple_tag
def checkbox_options(field, choices=None) -> SafeString:
    """The labelled checkboxes of a bound multiple-choice field."""
    values = {str(v) for v in (field.value() or [])}
    name = field.html_name
    return format_html_join(
        "",
        '<label for="id_{0}_{1}"><input type="checkbox" name="{0}" value="{2}" id="id_{0}_{1}"{3}> {4}</label>',
        (
            (name, i, str(v), CHECKED if str(v) in values else NOTHING, label)
            for i, (v, label) in enumerate(_choices(field, choices))
        ),
    )


@register.simple_tag
def field_errors(field) -> SafeString:
    if not field.errors:
        return NOTHING
    return format_html('<span class="errorlist">{}</span>', " ".join(field.errors))


@register.simple_tag
def filter_field(field, choices_by_field=None) -> SafeString:
    """One filter of the queue page, labelled: checkboxes, a select, a date range or a text box. Fourteen
    includes and Django's widget templates took a third of the queue page's render."""
    kind, errors = field.widget_type, field_errors(field)
    if kind == "checkboxselectmultiple":
        return format_html(GROUP, field.label, checkbox_options(field), errors)
    if kind == "select":
        options_html = select_options(field, choices_by_field=choices_by_field)
        return format_html(SELECT, field.id_for_label, field.label, field.html_name, options_html, errors)
    if kind == "daterange":
        values = list(field.value() or ())
        inputs = format_html_join(
            "\n-",
            '<input type="date" name="{}_{}"{} id="{}_{}">',
            (
                (field.html_name, suffix, _value_attr(values[i] if i < len(values) else None), field.auto_id, i)
                for i, suffix in enumerate(field.field.widget.suffixes)
            ),
        )
        return format_html(GROUP, field.label, inputs, errors)
    return format_html(
        '<div class="field"><label for="{0}">{1}</label><input type="text" name="{2}"{3} id="{0}">{4}</div>',
        field.id_for_label, field.label, field.html_name, _value_attr(field.value()), errors,
    )  # fmt: skip


GROUP = (
    '<fieldset class="field field--group"><legend class="field__label">{}</legend>'
    '<div class="field__inputs">{}</div>{}</fieldset>'
)
SELECT = '<div class="field"><label for="{0}">{1}</label><select name="{2}" id="{0}">{3}</select>{4}</div>'


def _value_attr(value) -> SafeString:
    return NOTHING if value in (None, "") else format_html(' value="{}"', value)


@register.simple_tag
def menu_buttons(choices, action: str) -> SafeString:
    """A menu's submit buttons, one per (value, label) pair with a value, each sending do=<action>:<value>."""
    return format_html_join(
        "",
        '<button type="submit" name="do" value="{}:{}" class="menu__item">{}</button>',
        ((action, value, label) for value, label in choices if value != ""),
    )


@register.simple_tag
def badge_buttons(choices, action: str, badge_class: str) -> SafeString:
    """The bulk bar's status and priority buttons: do=<action>:<value>, the label in a badge whose class ends
    with the value (`badge_class` + value). A template loop spent a node per value, label and int a button."""
    return format_html_join(
        "",
        '<button type="submit" name="do" value="{0}:{1}" class="menu__item"><span class="{2}{1}">{3}</span></button>',
        ((action, str(value), badge_class, label) for value, label in choices),
    )


@dataclass(frozen=True)
class EscapedOptions:
    """A list's <option>s, escaped, with the offset where " selected" goes for each value (the first of equal
    values). A page passes one in place of the (value, label) pairs for a list its requests share (the ticket page
    keeps them with the tenant's picklists): the options tag then only splices the mark in."""

    html: str
    marks: dict[str, int]


@register.simple_tag(takes_context=True)
def options(context, choices, selected=None) -> SafeString:
    """<option>s from (value, label) pairs or EscapedOptions, marking the one equal to `selected` (as text)."""
    if isinstance(choices, EscapedOptions):
        html, marks = choices.html, choices.marks
    else:
        # Escaped once per template render and per list, then the mark is spliced in: a page with a menu per row
        # (the dashboard's 25 reassign menus of every staff member) spent a third of its Python time on options.
        built = context.render_context.setdefault(_OPTIONS_KEY, {})
        if id(choices) not in built:
            # The list is kept with its HTML so that its id cannot be reused by another list during the render.
            escaped = escaped_options(choices)
            built[id(choices)] = (choices, escaped.html, escaped.marks)
        _, html, marks = built[id(choices)]
    at = marks.get("" if selected is None else str(selected))
    return mark_safe(html if at is None else f"{html[:at]} selected{html[at:]}")  # noqa: S308 - escaped below


_OPTIONS_KEY = object()


def escaped_options(choices) -> EscapedOptions:
    """The options' HTML (every value and label escaped), and for each value where " selected" goes."""
    parts, marks, length = [], {}, 0
    for value, label in choices:
        value = str(value)
        head = f'<option value="{conditional_escape(value)}"'
        marks.setdefault(value, length + len(head))
        part = f"{head}>{conditional_escape(label)}</option>"
        parts.append(part)
        length += len(part)
    return EscapedOptions("".join(parts), marks)


@register.simple_tag
def mention_items(staff) -> SafeString:
    """The composer's @mention suggestions: one <li> per staff member."""
    return format_html_join(
        "",
        '<li role="option" data-handle="{0}" data-name="{1}">{1} <span class="muted small">@{0}</span></li>',
        ((m.mention_handle, m.display_name) for m in staff),
    )


@register.simple_tag
def composer_tabs(field) -> SafeString:
    """The composer's message types: a labelled radio per choice of the bound `field`, its value checked (a template
    loop looked the bound field up eight times a choice)."""
    current, name, auto_id = field.value(), field.html_name, field.auto_id
    return format_html_join(
        "",
        '<label class="composer__tab composer__tab--{0}" for="{1}_{2}">'
        '<input type="radio" name="{3}" value="{0}" id="{1}_{2}"{4}> {5}</label>',
        (
            (value, auto_id, index, name, CHECKED if current == value else NOTHING, label)
            for index, (value, label) in enumerate(field.field.choices)
        ),
    )


# The ticket page's list of the requester's other tickets, as its template's loop laid it out (one per line).
TICKET_ITEM = (
    "\n            "
    '<li><a href="{url}{number}/">{prefix}-{number}</a> <span class="list__subject">{subject}</span> '
    '<span class="badge status status--{status}">{status_label}</span> <span class="muted small">{channel}</span></li>'
    "\n            "
)


@register.simple_tag
def ticket_items(tickets, url: str, prefix: str) -> SafeString:
    """One <li> per ticket: its reference (a link), its subject cut to 40 characters, its status and channel."""
    url, prefix = conditional_escape(url), conditional_escape(prefix)
    statuses, channels = _labels("status"), _labels("channel")
    return mark_safe(  # noqa: S308 - every value below is escaped
        "".join(
            TICKET_ITEM.format(
                url=url,
                number=int(t.number),
                prefix=prefix,
                subject=conditional_escape(_cut(t.subject, 40)),
                status=conditional_escape(t.status),
                status_label=conditional_escape(statuses.get(t.status, t.status)),
                channel=conditional_escape(channels.get(t.channel, t.channel)),
            )
            for t in tickets
        )
    )


@functools.cache
def _labels(field: str) -> dict:
    # get_FOO_display() builds the field's dict of choices at each call (a tenth of this tag's time).
    return {str(value): label for value, label in Ticket._meta.get_field(field).flatchoices}  # lazy labels stay lazy


def _cut(text: str, length: int) -> str:
    """Truncator(text).chars(length), without its setup for the short, normalised texts that it leaves as they are."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(length)
