"""One stored condition ({"field", "op", "value", "negate"}): finding its type, checking an editor's input into
it, compiling, describing and showing it, and whether it refers to a row."""

from __future__ import annotations

from routing.conditions.base import REGISTRY, ConditionType, Predicate, RuleError, condition_type
from routing.conditions.custom_fields import CUSTOM_PREFIX, _custom_type, custom_field_types
from routing.names import Names
from tenancy.errors import ServiceError


def lookup(key: object) -> ConditionType:
    """A registered condition type, or the tenant's custom field named by "field:<key>"."""
    if isinstance(key, str) and key.startswith(CUSTOM_PREFIX):
        from tickets.custom_fields.registry import OPERATORS, _definition

        try:
            definition = _definition(key[len(CUSTOM_PREFIX) :], allow_archived=True)
        except ServiceError as refused:
            raise RuleError(str(refused)) from None
        return _custom_type(definition.key, definition.label, OPERATORS[definition.type])
    return condition_type(key)


def all_types() -> list[ConditionType]:
    return [*REGISTRY.values(), *custom_field_types()]


def clean_condition(data: dict, names: Names) -> dict:
    """A condition from the editor ({"field", "op", "text", "negate"}) checked and stored as {"field", "op",
    "value", "negate"}; RuleError names what is wrong."""
    kind = lookup(data.get("field"))
    op = data.get("op") or next(iter(kind.operators))
    if op not in kind.operators:
        offered = ", ".join(f"“{words}”" for words in kind.operators.values())
        raise RuleError(f"“{kind.label}” can be tested with {offered}; not “{str(op)[:30]}”.")
    text = str(data.get("text") or "")
    value = None if op in kind.no_value_ops else kind.parse(op, text, Names() if names is None else names)
    condition = {"field": kind.key, "op": op, "value": value, "negate": bool(data.get("negate"))}
    compile_condition(condition)  # what is stored always compiles
    return condition


def compile_condition(condition: dict) -> Predicate:
    kind = lookup(condition.get("field"))
    op = condition.get("op")
    if op not in kind.operators:
        raise RuleError(f"“{kind.label}” has no test “{str(op)[:30]}”.")
    test = kind.compile(op, condition.get("value"))
    if condition.get("negate"):
        return lambda facts, ctx: not test(facts, ctx)
    return test


def fuse_condition(condition: dict, index) -> tuple[Predicate, frozenset[str]]:
    """The condition compiled for a rule set (its words and patterns answered by `index`, routing.textscan), with
    its negation folded in, and the facts it reads."""
    kind = lookup(condition.get("field"))
    op = condition.get("op")
    if op not in kind.operators:
        raise RuleError(f"“{kind.label}” has no test “{str(op)[:30]}”.")
    negate = bool(condition.get("negate"))
    if kind.fuse is not None:
        return kind.fuse(op, condition.get("value"), negate, index), kind.reads
    test = kind.compile(op, condition.get("value"))
    if negate:
        return (lambda facts, ctx: not test(facts, ctx)), kind.reads
    return test, kind.reads


def describe_condition(condition: dict, names: Names) -> str:
    try:
        kind = lookup(condition.get("field"))
        words = kind.describe(condition.get("op"), condition.get("value"), names)
    except RuleError:
        words = f"unknown condition “{str(condition.get('field'))[:40]}”"
    return f"not ({words})" if condition.get("negate") else words


def show_condition_value(condition: dict, names: Names) -> str:
    try:
        kind = lookup(condition.get("field"))
    except RuleError:
        return ""
    return kind.show(condition.get("op"), condition.get("value"), names)


def condition_uses(condition: dict, obj: object) -> bool:
    kind = REGISTRY.get(condition.get("field"))
    return kind is not None and kind.uses(condition.get("op"), condition.get("value"), obj)
