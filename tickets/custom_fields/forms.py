"""Custom fields in Django forms: one input per field, named `cf_<key>`, cleaned by the one validation module.

Used by the portal's request form (the fields the portal shows), the desk's new-ticket form and the ticket page's
one properties form (tickets.forms.TicketUpdateForm, whose changed `cf_<key>` inputs become the `custom_fields`
entry of its single update_ticket call)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.utils.html import escape

from tickets.custom_fields.definitions import FieldDef, Type
from tickets.custom_fields.validation import MAX_LONG_TEXT, MAX_TEXT, FieldValueError, MissingAtCreation, clean_value

PREFIX = "cf_"


def input_name(key: str) -> str:
    return f"{PREFIX}{key}"


class CustomValueField(forms.Field):
    """A form field cleaned by tickets.custom_fields.validation.clean_value: the same rules as every other path."""

    def __init__(self, definition: FieldDef, **kwargs):
        self.definition = definition
        kwargs.setdefault("widget", _widget(definition))
        super().__init__(**kwargs)
        # The "initial-" twin (show_hidden_initial) of a multiple choice carries one hidden input per code.
        if definition.type == Type.MULTI_CHOICE:
            self.hidden_widget = forms.MultipleHiddenInput

    def clean(self, value):
        try:
            cleaned = clean_value(self.definition, value)
        except FieldValueError as refused:
            raise forms.ValidationError(str(refused).split(": ", 1)[-1]) from None
        if cleaned is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return cleaned

    def bound_data(self, data, initial):
        return data

    def has_changed(self, initial, data) -> bool:
        """Compare what the values mean, not how they were sent: the hidden twin posts "True" or "12" where the
        ticket holds True or 12, an unticked box posts nothing. A value that does not clean counts as changed, so
        the form's validation reports it."""
        try:
            return clean_value(self.definition, initial) != clean_value(self.definition, data)
        except FieldValueError:
            return True


def _widget(field: FieldDef) -> forms.Widget:
    if field.type == Type.TEXT:
        return forms.TextInput(attrs={"maxlength": MAX_TEXT})
    if field.type == Type.LONG_TEXT:
        return forms.Textarea(attrs={"rows": 3, "maxlength": MAX_LONG_TEXT})
    if field.type == Type.NUMBER:
        return forms.TextInput(attrs={"inputmode": "decimal"})
    if field.type == Type.DATE:
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if field.type == Type.CHOICE:
        return forms.Select(choices=[("", "—"), *field.choices])
    if field.type == Type.MULTI_CHOICE:
        return forms.CheckboxSelectMultiple(choices=list(field.choices))
    return forms.CheckboxInput()


def add_custom_fields(
    form: forms.BaseForm,
    fields: Iterable[FieldDef],
    *,
    values: Mapping[str, object] | None = None,
    mark_required: str = "",
) -> list[str]:
    """Add one `cf_<key>` input per field to `form` (values as initial); return the input names.

    Requiredness depends on the category chosen in the same form, so the inputs are never required by the form
    itself: the service decides (MissingAtCreation, put back under the inputs by `show_missing`). `mark_required`
    ("creation"/"resolution") only labels them. Help text is the admin's words, shown as text, never as HTML."""
    names = []
    for field in fields:
        name = input_name(field.key)
        required = (mark_required == "creation" and field.required_at_creation) or (
            mark_required == "resolution" and field.required_at_resolution
        )
        form.fields[name] = CustomValueField(
            field,
            required=False,
            label=f"{field.label}{' *' if required else ''}",
            help_text=escape(field.help_text),
        )
        if field.category_ids:
            form.fields[name].widget.attrs["data-categories"] = " ".join(str(pk) for pk in sorted(field.category_ids))
        if values is not None and field.key in values:
            form.initial[name] = values[field.key]
        names.append(name)
    return names


def custom_field_values(cleaned_data: Mapping[str, object]) -> dict[str, object]:
    """{key: value} of every `cf_<key>` entry of a form's cleaned data (the one-Update form adds its inputs
    with add_custom_fields and hands this to update_ticket as changes["custom_fields"])."""
    return {name.removeprefix(PREFIX): value for name, value in cleaned_data.items() if name.startswith(PREFIX)}


def show_missing(form: forms.BaseForm, refused: MissingAtCreation) -> None:
    for field in refused.missing:
        name = input_name(field.key)
        if name in form.fields:
            form.add_error(name, "Required.")
        else:
            form.add_error(None, f"“{field.label}” is required.")


def ticket_panel(ticket) -> dict:
    """What the ticket page shows of the fields besides their inputs (those are in the properties form): archived
    values read-only, and which required-at-resolution fields are still empty. No query (definitions are cached)."""
    from tickets.custom_fields.definitions import field_definitions
    from tickets.custom_fields.validation import missing_at_resolution

    values = ticket.custom_fields or {}
    definitions = field_definitions()
    return {
        "archived": [(f.label, f.display(values[f.key])) for f in definitions if f.archived and f.key in values],
        "missing": [f.label for f in missing_at_resolution(definitions, values, category_id=ticket.category_id)],
    }
