"""Custom fields for routing conditions and report groupings, declared once here for the apps above tickets.

Routing (rules' conditions) and reporting (group-by) do not read `Ticket.custom_fields` themselves: they build
a condition or a grouping from this module, which checks the field and the operator against the tenant's
definitions and knows how to evaluate them, in SQL (a Q for querysets) and on a loaded ticket (routing decides
for one ticket in memory), with the same meaning on PostgreSQL and SQLite.

    from tickets.custom_fields.registry import field_condition, field_grouping

    rule = field_condition("product", "in", ["cloud", "onprem"])    # FieldConditionError if no such field/op
    rule.matches(ticket)          # routing, on one ticket
    Ticket.objects.filter(rule.q())   # reports, or "which open tickets would this rule take"
    rule.describe()               # "Product is one of Tessera Cloud, Tessera On-Prem"
    rule.as_dict() / FieldCondition.from_dict(d)   # what a routing rule stores (key, op, value), re-checked on load

    grouping = field_grouping("product")
    grouping.counts(Ticket.objects.filter(...))   # [("cloud", "Tessera Cloud", 120), ..., (None, "No value", 7)]

Operators by type (OPERATORS): choice: is, is_not, in, is_set, is_empty; multi-choice: includes, includes_any,
is_set, is_empty; checkbox: is_checked, is_not_checked; number and date: is, gt, gte, lt, lte, is_set, is_empty;
text and long text: is_set, is_empty (text is not matched by routing: it is free input). Groupings: choice
(each choice, and no value), multi-choice (each choice: a ticket counts once per choice it has), checkbox
(ticked or not). Conditions and groupings name fields by key, so renaming a field or a choice label changes
nothing stored; an archived field still evaluates (its values are kept) but `field_condition` refuses to build a
new condition on it (`allow_archived=True` to load a stored one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from tenancy.errors import ServiceError
from tickets.custom_fields import queries
from tickets.custom_fields.definitions import FieldDef, Type, fields_by_key
from tickets.custom_fields.validation import FieldValueError, clean_value


class FieldConditionError(ServiceError):
    """A condition or grouping that cannot be built: unknown field, operator not for its type, bad value."""


NO_VALUE_OPS = frozenset({"is_set", "is_empty", "is_checked", "is_not_checked"})
_RANGE = ("is", "gt", "gte", "lt", "lte", "is_set", "is_empty")
OPERATORS: dict[str, tuple[str, ...]] = {
    Type.CHOICE: ("is", "is_not", "in", "is_set", "is_empty"),
    Type.MULTI_CHOICE: ("includes", "includes_any", "is_set", "is_empty"),
    Type.CHECKBOX: ("is_checked", "is_not_checked"),
    Type.NUMBER: _RANGE,
    Type.DATE: _RANGE,
    Type.TEXT: ("is_set", "is_empty"),
    Type.LONG_TEXT: ("is_set", "is_empty"),
}
OPERATOR_WORDS = {
    "is": "is", "is_not": "is not", "in": "is one of", "includes": "includes", "includes_any": "includes any of",
    "gt": "is more than", "gte": "is at least", "lt": "is less than", "lte": "is at most", "is_set": "is filled in",
    "is_empty": "is empty", "is_checked": "is ticked", "is_not_checked": "is not ticked",
}  # fmt: skip
GROUPABLE_TYPES = frozenset({Type.CHOICE, Type.MULTI_CHOICE, Type.CHECKBOX})


@dataclass(frozen=True)
class FieldCondition:
    definition: FieldDef
    op: str
    value: object = None  # cleaned: a code, a list of codes, a number or an ISO date

    @property
    def key(self) -> str:
        return self.definition.key

    def q(self) -> Q:
        """The condition as a queryset filter (the GIN index answers equality and "includes")."""
        return _Q[self.op](self)

    def matches(self, ticket) -> bool:
        """The condition on one loaded ticket (no query)."""
        return _MATCH[self.op](self, (ticket.custom_fields or {}).get(self.key))

    def describe(self) -> str:
        words = f"{self.definition.label} {OPERATOR_WORDS[self.op]}"
        if self.op in NO_VALUE_OPS:
            return words
        values = self.value if isinstance(self.value, list) else [self.value]
        shown = [self.definition.choice_label(v) if self.definition.is_choice else str(v) for v in values]
        return f"{words} {', '.join(shown)}"

    def as_dict(self) -> dict:
        return {"key": self.key, "op": self.op, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict) -> FieldCondition:
        return field_condition(data.get("key"), data.get("op"), data.get("value"), allow_archived=True)


def field_condition(key: str, op: str, value: object = None, *, allow_archived: bool = False) -> FieldCondition:
    """A condition on the tenant's field `key`, checked: the field exists, `op` suits its type, the value is valid."""
    definition = _definition(key, allow_archived=allow_archived)
    allowed = OPERATORS[definition.type]
    if op not in allowed:
        raise FieldConditionError(
            f"“{definition.label}” takes the operators {', '.join(allowed)}; “{op}” is not one of them."
        )
    return FieldCondition(definition=definition, op=op, value=_value(definition, op, value))


def _definition(key: object, *, allow_archived: bool) -> FieldDef:
    definition = fields_by_key().get(key) if isinstance(key, str) else None
    if definition is None:
        raise FieldConditionError(f"There is no custom field “{str(key)[:40]}”.")
    if definition.archived and not allow_archived:
        raise FieldConditionError(f"“{definition.label}” is archived: choose an active field.")
    return definition


def _value(definition: FieldDef, op: str, value: object) -> object:
    if op in NO_VALUE_OPS:
        return None
    many = op in ("in", "includes_any")
    items = value if many else [value]
    if many and (not isinstance(value, list | tuple) or not value):
        raise FieldConditionError(f"“{OPERATOR_WORDS[op]}” needs a list of choices.")
    cleaned = []
    for item in items:
        if definition.type == Type.MULTI_CHOICE:
            item = [item] if isinstance(item, str) else item
        try:
            one = clean_value(definition, item)
        except FieldValueError as refused:
            raise FieldConditionError(str(refused)) from None
        if one is None:
            raise FieldConditionError(f"Give a value to compare “{definition.label}” with.")
        cleaned.append(one[0] if definition.type == Type.MULTI_CHOICE else one)
    return cleaned if many else cleaned[0]


def _compare(test: Callable[[object, object], bool]) -> Callable[[FieldCondition, object], bool]:
    return lambda c, stored: stored is not None and type(stored) is not bool and test(stored, c.value)


_Q: dict[str, Callable[[FieldCondition], Q]] = {
    "is": lambda c: queries.equals(c.key, c.value),
    "is_not": lambda c: ~queries.equals(c.key, c.value),
    "in": lambda c: queries.matches(c.definition, list(c.value)),
    "includes": lambda c: queries.includes(c.key, c.value),
    "includes_any": lambda c: queries.matches(c.definition, list(c.value)),
    "is_set": lambda c: queries.has_value(c.key),
    "is_empty": lambda c: ~queries.has_value(c.key),
    "is_checked": lambda c: queries.equals(c.key, True),
    "is_not_checked": lambda c: ~queries.equals(c.key, True),
    "gt": lambda c: queries.at_least(c.key, c.value) & ~queries.equals(c.key, c.value),
    "gte": lambda c: queries.at_least(c.key, c.value),
    "lt": lambda c: queries.at_most(c.key, c.value) & ~queries.equals(c.key, c.value),
    "lte": lambda c: queries.at_most(c.key, c.value),
}
_MATCH: dict[str, Callable[[FieldCondition, object], bool]] = {
    "is": lambda c, v: v == c.value,
    "is_not": lambda c, v: v != c.value,
    "in": lambda c, v: v in c.value,
    "includes": lambda c, v: isinstance(v, list) and c.value in v,
    "includes_any": lambda c, v: isinstance(v, list) and bool(set(v) & set(c.value)),
    "is_set": lambda c, v: v not in (None, "", []),
    "is_empty": lambda c, v: v in (None, "", []),
    "is_checked": lambda c, v: v is True,
    "is_not_checked": lambda c, v: v is not True,
    "gt": _compare(lambda a, b: a > b),
    "gte": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "lte": _compare(lambda a, b: a <= b),
}


@dataclass(frozen=True)
class FieldGrouping:
    definition: FieldDef
    buckets: tuple[tuple[str | None, str], ...] = field(default=())  # (value, label); None: no value

    @property
    def key(self) -> str:
        return self.definition.key

    def counts(self, tickets: QuerySet) -> list[tuple[str | None, str, int]]:
        """Tickets per bucket, in one query whatever the number of tickets: [(value, label, count)]."""
        aggregates = {f"b{index}": Count("pk", filter=self._bucket_q(value)) for index, (value, _) in
                      enumerate(self.buckets)}  # fmt: skip
        totals = tickets.aggregate(**aggregates)
        return [(value, label, totals[f"b{index}"]) for index, (value, label) in enumerate(self.buckets)]

    def bucket_of(self, ticket) -> list[str | None]:
        """The bucket(s) one loaded ticket falls in (a multi-choice ticket: one per choice it has)."""
        stored = (ticket.custom_fields or {}).get(self.key)
        if self.definition.type == Type.MULTI_CHOICE:
            return list(stored) if stored else [None]
        if self.definition.type == Type.CHECKBOX:
            return ["true" if stored is True else None]
        return [stored if stored is not None else None]

    def _bucket_q(self, value: str | None) -> Q:
        if value is None:
            if self.definition.type == Type.CHECKBOX:
                return ~queries.equals(self.key, True)
            return ~queries.has_value(self.key)
        if self.definition.type == Type.CHECKBOX:
            return queries.equals(self.key, True)
        return queries.matches(self.definition, value)


def field_grouping(key: str) -> FieldGrouping:
    """A report grouping by the tenant's choice, multi-choice or checkbox field `key` (archived ones too: old
    reports keep working)."""
    definition = _definition(key, allow_archived=True)
    if definition.type not in GROUPABLE_TYPES:
        raise FieldConditionError(f"Reports group by choice and checkbox fields; “{definition.label}” is not one.")
    if definition.type == Type.CHECKBOX:
        buckets = (("true", "Ticked"), (None, "Not ticked"))
    else:
        buckets = (*definition.choices, (None, "No value"))
    return FieldGrouping(definition=definition, buckets=tuple(buckets))


def groupable_fields() -> list[FieldDef]:
    return [f for f in fields_by_key().values() if f.type in GROUPABLE_TYPES]


def conditionable_fields() -> list[FieldDef]:
    return [f for f in fields_by_key().values() if not f.archived]
