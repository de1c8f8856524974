"""Django's commonest widget templates (inputs, textarea, select, file), written in Python with the same output.

Each widget Django renders goes through its template and an include of `attrs.html`; a <select> includes a
template per <option>, and that one `attrs.html` again. On the ticket page the composer's and the custom
fields' inputs were a third of the template time (a profile: about 3.5 ms of 11). This renderer writes those
templates' exact markup (tests/tenancy/test_form_renderer.py compares it with Django's templates, byte for byte,
hostile values included) and hands anything else to the templates: other widgets, values it does not know how
the template would show (numbers, dates: localised there), option templates of other widgets.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# Templates that are exactly `{% include "django/forms/widgets/input.html" %}` (the test checks each file).
INPUT_INCLUDES = tuple(
    f"{WIDGETS}{name}.html"
    for name in ("text", "email", "number", "hidden", "password", "url", "search", "tel", "date", "datetime", "time")
)
TEXT = (str, Promise)


def _value(value) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" of the value, escaped unless it was safe already."""
    return value if isinstance(value, SafeData) else conditional_escape("%s" % (value,))  # noqa: UP031


def _attrs(attrs: dict) -> str | None:
    """django/forms/widgets/attrs.html (None: an attribute named "items", which the template would look up
    instead of the dict's method)."""
    if "items" in attrs:
        return None
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_value(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str | None:
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    value = widget["value"]
    shown = "" if value is None else f' value="{_value(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{shown}{attrs}>'
    )


def _file(widget: dict) -> str | None:
    """clearable_file_input.html without a current file (an upload field: the composer's attachments)."""
    attrs = _attrs(widget["attrs"])
    if attrs is None or widget.get("is_initial"):
        return None
    return f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{attrs}>'


def _textarea(widget: dict) -> str | None:
    value, attrs = widget["value"], _attrs(widget["attrs"])
    if attrs is None or (value and not isinstance(value, TEXT)):
        return None  # the template would localise a value that is not text
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{attrs}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


def _select(widget: dict) -> str | None:
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name and not isinstance(group_name, TEXT):
            return None
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            label, option_attrs = option["label"], _attrs(option["attrs"])
            if option["template_name"] != f"{WIDGETS}select_option.html" or not isinstance(label, TEXT):
                return None
            if option_attrs is None:
                return None
            parts.append(
                f'\n  <option value="{_value(option["value"])}"{option_attrs}>{conditional_escape(label)}</option>\n'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


WRITERS = {
    f"{WIDGETS}input.html": _input,
    **dict.fromkeys(INPUT_INCLUDES, _input),
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}clearable_file_input.html": _file,
}


class FastWidgets(DjangoTemplates):
    """settings.FORM_RENDERER: the widgets above in Python, everything else through Django's templates."""

    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        html = write(context["widget"]) if write is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return html  # a plain string, as the template's (stripped as BaseRenderer strips it); _render marks it safe
