"""Conditions naming rows of the tenant's own: category, subcategory and organisation (stored as ids, so renaming a
row keeps its rules, and deleting one a rule names is refused through `uses`)."""

from __future__ import annotations

from operator import attrgetter

from routing.conditions.base import ConditionType, Predicate, register
from routing.conditions.pieces import _rows
from routing.names import Names


def _row_type(key: str, label: str, kind: str, attr: str, help_text: str):
    read = attrgetter(attr)

    def compile_(op: str, value: object) -> Predicate:
        if op == "is_empty":
            return lambda facts, ctx: read(facts) is None
        wanted = frozenset(value)
        return lambda facts, ctx: read(facts) in wanted

    def describe(op: str, value: object, names: Names) -> str:
        if op == "is_empty":
            return f"{label.lower()} is not set"
        return f"{label.lower()} is {' or '.join(names.name(kind, pk) for pk in value)}"

    return ConditionType(
        key=key,
        label=label,
        operators={"is": "is", "is_empty": "is not set"},
        parse=_rows(kind, label),
        compile=compile_,
        describe=describe,
        show=lambda op, value, names: ", ".join(names.name(kind, pk) for pk in value or ()),
        uses=lambda op, value, obj: type(obj).__name__.casefold() == kind and obj.pk in (value or ()),
        help_text=help_text,
        no_value_ops=frozenset({"is_empty"}),
        reads=frozenset({attr}),
    )


register(_row_type("category", "Category", "category", "category_id", "Category names, comma-separated."))
register(
    _row_type("subcategory", "Subcategory", "category", "subcategory_id", "“Parent / Child” names, comma-separated.")
)
register(
    _row_type("organisation", "Organisation", "organisation", "organisation_id", "Organisation names, comma-separated.")
)
