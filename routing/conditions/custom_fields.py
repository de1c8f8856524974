"""Conditions on the tenant's custom fields (tickets.custom_fields.registry). The fields differ per tenant, so their
types are made on demand from "field:<key>" and never enter REGISTRY."""

from __future__ import annotations

from routing.conditions.base import ConditionType, Predicate, RuleError
from routing.conditions.pieces import split_list
from routing.names import Names
from tenancy.errors import ServiceError

CUSTOM_PREFIX = "field:"


def _custom_type(key: str, label: str, operators: tuple[str, ...]) -> ConditionType:
    from tickets.custom_fields.registry import NO_VALUE_OPS, OPERATOR_WORDS, FieldCondition, field_condition

    def parse(op: str, text: str, names: Names) -> object:
        if op in NO_VALUE_OPS:
            value = None
        elif op in ("in", "includes_any"):
            value = split_list(text)
        else:
            value = text.strip()
        try:
            return field_condition(key, op, value).value
        except ServiceError as refused:
            raise RuleError(str(refused)) from None

    def compile_(op: str, value: object) -> Predicate:
        condition = FieldCondition.from_dict({"key": key, "op": op, "value": value})
        return lambda facts, ctx: condition.matches(facts)

    def describe(op: str, value: object, names: Names) -> str:
        try:
            return FieldCondition.from_dict({"key": key, "op": op, "value": value}).describe()
        except ServiceError:
            return f"custom field “{key}” (no longer exists)"

    def show(op: str, value: object, names: Names) -> str:
        if value is None:
            return ""
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)

    return ConditionType(
        key=f"{CUSTOM_PREFIX}{key}",
        label=f"Field: {label}",
        operators={op: OPERATOR_WORDS[op] for op in operators},
        parse=parse,
        compile=compile_,
        describe=describe,
        show=show,
        help_text="Choice codes, comma-separated for “is one of”.",
        no_value_ops=frozenset(NO_VALUE_OPS),
        reads=frozenset({"custom_fields"}),
    )


def custom_field_types() -> list[ConditionType]:
    """The tenant's active custom fields as condition types (they are per tenant, so not in REGISTRY)."""
    from tickets.custom_fields.registry import OPERATORS, conditionable_fields

    return [_custom_type(f.key, f.label, OPERATORS[f.type]) for f in conditionable_fields()]
