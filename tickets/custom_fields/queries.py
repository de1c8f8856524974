"""Custom-field conditions as query expressions, the same results on PostgreSQL and SQLite (the demo).

On PostgreSQL an equality is a containment, `custom_fields @> '{"product": "cloud"}'`, which the GIN index
(tenant_id, custom_fields jsonb_path_ops) answers for any field of any tenant; a multi-choice "includes X" is
`@> '{"products": ["x"]}'` through the same index. SQLite has no containment: equality is a key lookup
(`json_extract(custom_fields, '$."product"') = 'cloud'`) and "includes" an EXISTS over json_each. Ranges on numbers
and dates are key lookups on both (JSON numbers compare as numbers, ISO dates as text)."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import Exact

from tickets.custom_fields.definitions import FieldDef, Type
from tickets.custom_fields.validation import KEY_PATTERN
from tickets.models import Ticket


def _key(key: str) -> str:
    # Keys are validated when a field is made; this guards every SQL path that names one all the same.
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"Not a custom field key: {key!r}")
    return key


def _contains() -> bool:
    return connection.features.supports_json_field_contains


def equals(key: str, value: object) -> Q:
    """Tickets whose field `key` holds exactly `value` (a scalar: code, number, date text or True)."""
    key = _key(key)
    if _contains():
        return Q(custom_fields__contains={key: value})
    # With has_key, so that a negation (~equals) also takes the tickets without the key (NULL otherwise).
    return Q(custom_fields__has_key=key) & Q(**{f"custom_fields__{key}": value})


def includes(key: str, code: str) -> Q:
    """Tickets whose multi-choice field `key` includes `code`."""
    key = _key(key)
    if _contains():
        return Q(custom_fields__contains={key: [code]})
    sql = 'EXISTS (SELECT 1 FROM json_each("tickets_ticket"."custom_fields", %s) AS item WHERE item.value = %s)'
    # The key is checked against KEY_PATTERN and passed as a parameter, like the code: nothing is spliced in.
    return Q(RawSQL(sql, [f'$."{key}"', code], output_field=BooleanField()))  # noqa: S611


def has_value(key: str) -> Q:
    return Q(custom_fields__has_key=_key(key))


def at_least(key: str, value: object) -> Q:
    return Q(**{f"custom_fields__{_key(key)}__gte": _json(value)})


def at_most(key: str, value: object) -> Q:
    return Q(**{f"custom_fields__{_key(key)}__lte": _json(value)})


def _json(value: object) -> object:
    # A form's Decimal as the JSON number it is compared with.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def matches(field: FieldDef, value: object) -> Q:
    """`value` as the filters mean it: a choice code (or any of several), a multi-choice code, a checkbox."""
    if field.type == Type.MULTI_CHOICE:
        codes = value if isinstance(value, list | tuple) else [value]
        return _any(includes(field.key, code) for code in codes)
    if field.type == Type.CHECKBOX:
        return equals(field.key, True) if value else ~equals(field.key, True)
    if isinstance(value, list | tuple):
        return _any(equals(field.key, item) for item in value)
    return equals(field.key, value)


def _any(conditions) -> Q:
    result = Q(pk__in=[])
    for condition in conditions:
        result |= condition
    return result


class LiteralKey(KeyTransform):
    """`custom_fields -> 'key'` with the key in the SQL, not a parameter: the expression of a field's sort index
    (tickets.custom_fields.sort_indexes), which a prepared statement's generic plan can then match."""

    def as_postgresql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"({lhs} -> '{_key(self.key_name)}')", tuple(params)


class TenantIs(Exact):
    """`tenant_id = 7` with the number in the SQL: implies a sort index's `WHERE tenant_id = 7` even in a
    generic plan (the row-level-security policy and the scoped manager compare with a setting or a parameter)."""

    def process_rhs(self, compiler, connection):
        return str(int(getattr(self.rhs, "value", self.rhs))), []


def sort_index_condition(tenant_id: int) -> Q:
    """The condition that lets a ready sort index serve the list (tickets.filters adds it)."""
    return Q(TenantIs(F("tenant_id"), int(tenant_id)))


def ordering(field: FieldDef, *, descending: bool = False) -> tuple:
    """ORDER BY the field's value (empty last), then the list's usual tie-breaker: ascending, the order of the
    field's sort index when it has one."""
    value = LiteralKey(_key(field.key), "custom_fields")
    order = OrderBy(value, descending=descending, nulls_last=True)
    return (order, F("next_due_at").asc(nulls_last=True), "id")


def has_values(key: str) -> bool:
    """Whether any ticket of the tenant has a value for `key` (admin actions only: a scan when none has)."""
    return Ticket.objects.filter(has_value(key)).exists()


def has_code(key: str, code: str, *, multi: bool) -> bool:
    return Ticket.objects.filter(includes(key, code) if multi else equals(key, code)).exists()
