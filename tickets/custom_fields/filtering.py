"""The queue filters and sorts for custom fields, added to tickets.filters.TicketFilter for the tenant in scope
(so saved views, which store the same query string, filter the same way).

Parameters: `cf_<key>` (choice / multi-choice: one or more codes, any of them; checkbox: yes / no),
`cf_<key>_min` / `cf_<key>_max` (numbers), `cf_<key>_after` / `cf_<key>_before` (dates); sort `cf_<key>`
(ascending, empty last) or `-cf_<key>`. Archived fields stay filterable: their values are still on the tickets."""

from __future__ import annotations

import django_filters
from django import forms

from tenancy.context import current_tenant_id
from tickets.custom_fields import queries
from tickets.custom_fields.definitions import FieldDef, Type, field_definitions

PREFIX = "cf_"


def add_filters(filterset: django_filters.FilterSet) -> dict[str, FieldDef]:
    """Add the tenant's custom-field filters and sort choices to `filterset`; return {sort value: field}."""
    sorts: dict[str, FieldDef] = {}
    if current_tenant_id() is None:  # the API schema is generated without a tenant: no fields to add
        return sorts
    for field in field_definitions():
        name = f"{PREFIX}{field.key}"
        label = field.label + (" (archived)" if field.archived else "")
        if field.filterable:
            for suffix, built in _filters(field, label):
                filterset.filters[name + suffix] = built
        if field.sortable and getattr(filterset, "custom_field_sorts", True):
            sorts[name] = field
            sorts[f"-{name}"] = field
    if sorts and "sort" in filterset.filters:
        extra = filterset.filters["sort"].extra
        extra["choices"] = [
            *extra["choices"],
            *((value, f"{field.label}{' (descending)' if value.startswith('-') else ''}") for value, field in
              sorts.items()),
        ]  # fmt: skip
    return sorts


def _filters(field: FieldDef, label: str):
    if field.is_choice:
        yield (
            "",
            django_filters.MultipleChoiceFilter(
                choices=list(field.choices),
                widget=forms.CheckboxSelectMultiple,
                label=label,
                method=lambda qs, name, value, f=field: qs.filter(queries.matches(f, list(value))) if value else qs,
            ),
        )
    elif field.type == Type.CHECKBOX:
        yield (
            "",
            django_filters.ChoiceFilter(
                choices=[("yes", "Ticked"), ("no", "Not ticked")],
                label=label,
                empty_label=f"Any {field.label.lower()}",
                method=lambda qs, name, value, f=field: qs.filter(queries.matches(f, value == "yes")) if value else qs,
            ),
        )
    elif field.type == Type.NUMBER:
        yield (
            "_min",
            django_filters.NumberFilter(
                label=f"{label}: at least",
                method=lambda qs, name, value, f=field: (
                    qs if value is None else qs.filter(queries.at_least(f.key, value))
                ),
            ),
        )
        yield (
            "_max",
            django_filters.NumberFilter(
                label=f"{label}: at most",
                method=lambda qs, name, value, f=field: (
                    qs if value is None else qs.filter(queries.at_most(f.key, value))
                ),
            ),
        )
    elif field.type == Type.DATE:
        yield (
            "",
            django_filters.DateFromToRangeFilter(
                label=label,
                widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
                method=lambda qs, name, value, f=field: _date_range(qs, f, value),
            ),
        )


def _date_range(queryset, field: FieldDef, value):
    if value is None:
        return queryset
    if value.start is not None:
        queryset = queryset.filter(queries.at_least(field.key, value.start.date().isoformat()))
    if value.stop is not None:
        queryset = queryset.filter(queries.at_most(field.key, value.stop.date().isoformat()))
    return queryset


def ordering(sort: str, sorts: dict[str, FieldDef]) -> tuple | None:
    field = sorts.get(sort)
    if field is None:
        return None
    return queries.ordering(field, descending=sort.startswith("-"))
