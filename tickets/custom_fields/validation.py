"""Every custom-field value on every path (portal, desk forms, the ticket page, bulk, the API, automations) is
checked here, and nowhere else: its type, its size, its choices; and which fields are required when.

Values are hostile until proven otherwise: strings are kept as text (never rendered as HTML: templates escape
them, the API returns them as JSON strings), control characters and oversized input are refused before any
parsing, unknown keys are refused (a typo must not be silently dropped), and archived fields are read-only.
The messages name the field's label, for the person who typed the value."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from tenancy.errors import ServiceError
from tickets.custom_fields.definitions import FieldDef, Type

MAX_TEXT = 255
MAX_LONG_TEXT = 10_000
MAX_NUMBER = Decimal(10) ** 12  # exclusive bound, either sign
MAX_DECIMALS = 4
MAX_DIGITS = 15  # what a JSON number (a float) keeps exactly
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_RAW = 20_000  # anything longer is refused before it is parsed
MAX_FIELDS_PER_CALL = 100

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# C0 controls except tab and newlines, DEL, and the C1 controls: never part of a value someone typed.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TRUE_WORDS = frozenset({"true", "on", "yes", "1"})
FALSE_WORDS = frozenset({"false", "off", "no", "0", ""})


class FieldValueError(ServiceError):
    """A value refused, with the key of the field it was for (forms put the message under that field)."""

    def __init__(self, message: str, *, key: str = ""):
        super().__init__(message)
        self.key = key


class ResolutionBlocked(ServiceError):
    """The ticket cannot be resolved yet: fields required at resolution are empty."""

    def __init__(self, missing: list[FieldDef]):
        self.missing = missing
        super().__init__(f"Fill in {_labels(missing)} before resolving this ticket (required at resolution).")


class MissingAtCreation(ServiceError):
    def __init__(self, missing: list[FieldDef]):
        self.missing = missing
        super().__init__(f"Fill in {_labels(missing)}: required for a new ticket.")


def _labels(fields: list[FieldDef]) -> str:
    names = [f"“{field.label}”" for field in fields]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def clean_value(field: FieldDef, raw: object) -> object | None:
    """The value to store for `raw`, or None for "empty" (the key is removed); FieldValueError if refused.

    Accepts what forms post (strings, lists of strings) and what JSON carries (numbers, booleans, lists)."""
    if isinstance(raw, str) and len(raw) > MAX_RAW:
        raise FieldValueError(f"“{field.label}” is far too long.", key=field.key)
    if raw is None:
        return None
    cleaner = _CLEANERS[field.type]
    return cleaner(field, raw)


def _refuse(field: FieldDef, message: str) -> FieldValueError:
    return FieldValueError(f"“{field.label}”: {message}", key=field.key)


def _text(field: FieldDef, raw: object, *, limit: int, multiline: bool) -> str | None:
    if not isinstance(raw, str):
        raise _refuse(field, "give text.")
    value = raw.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL.search(value):
        raise _refuse(field, "remove the control characters.")
    if not multiline:
        if "\n" in value:
            raise _refuse(field, "keep it on one line.")
        value = value.strip()
    elif not value.strip():
        value = ""
    if len(value) > limit:
        raise _refuse(field, f"at most {limit:,} characters (this has {len(value):,}).")
    return value or None


def _short_text(field: FieldDef, raw: object) -> str | None:
    return _text(field, raw, limit=MAX_TEXT, multiline=False)


def _long_text(field: FieldDef, raw: object) -> str | None:
    return _text(field, raw, limit=MAX_LONG_TEXT, multiline=True)


def _number(field: FieldDef, raw: object) -> int | float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _refuse(field, "give a number.")
    text = raw.strip().replace(" ", "") if isinstance(raw, str) else repr(raw) if isinstance(raw, float) else str(raw)
    if text == "":
        return None
    if len(text) > 40:
        raise _refuse(field, "that number is too long.")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _refuse(field, f"“{text[:40]}” is not a number.") from None
    if not number.is_finite():
        raise _refuse(field, "give a finite number.")
    if abs(number) >= MAX_NUMBER:
        raise _refuse(field, "keep it under a trillion (either sign).")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise _refuse(field, f"at most {MAX_DECIMALS} decimal places.")
    if len(number.normalize().as_tuple().digits) > MAX_DIGITS:
        raise _refuse(field, f"at most {MAX_DIGITS} digits.")
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _date(field: FieldDef, raw: object) -> str | None:
    if isinstance(raw, datetime.datetime):
        raise _refuse(field, "give a date without a time.")
    if isinstance(raw, datetime.date):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise _refuse(field, "give the date as YYYY-MM-DD.")
        try:
            value = datetime.date.fromisoformat(text)
        except ValueError:
            raise _refuse(field, f"{text} is not a date in the calendar.") from None
    else:
        raise _refuse(field, "give the date as YYYY-MM-DD.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _refuse(field, f"give a year between {MIN_YEAR} and {MAX_YEAR}.")
    return value.isoformat()


def _choice(field: FieldDef, raw: object) -> str | None:
    if not isinstance(raw, str):
        raise _refuse(field, "give one of the choices' codes.")
    code = raw.strip()
    if not code:
        return None
    if code not in field.codes:
        offered = ", ".join(field.codes) or "none yet"
        raise _refuse(field, f"“{code[:40]}” is not one of the choices ({offered}).")
    return code


def _multi_choice(field: FieldDef, raw: object) -> list[str] | None:
    if isinstance(raw, str):
        raw = [raw] if raw.strip() else []
    if not isinstance(raw, list | tuple):
        raise _refuse(field, "give a list of the choices' codes.")
    if len(raw) > max(len(field.codes), 1):
        raise _refuse(field, "more values than there are choices.")
    codes = set()
    for item in raw:
        code = _choice(field, item)
        if code is not None:
            codes.add(code)
    ordered = [code for code in field.codes if code in codes]
    return ordered or None


def _checkbox(field: FieldDef, raw: object) -> bool | None:
    if isinstance(raw, bool):
        return True if raw else None
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return True if raw.strip().lower() in TRUE_WORDS else None
    raise _refuse(field, "give true or false.")


_CLEANERS = {
    Type.TEXT: _short_text,
    Type.LONG_TEXT: _long_text,
    Type.NUMBER: _number,
    Type.DATE: _date,
    Type.CHOICE: _choice,
    Type.MULTI_CHOICE: _multi_choice,
    Type.CHECKBOX: _checkbox,
}


def clean_values(
    raw: Mapping[str, object], *, fields: Mapping[str, FieldDef], writable: Iterable[str] | None = None
) -> dict[str, object | None]:
    """Clean a {key: raw value} mapping against the tenant's `fields` (by key); None values mean "clear".

    Unknown keys and archived fields are refused; `writable` (keys) narrows what this caller may set (a customer
    sets only the portal's fields)."""
    if not isinstance(raw, Mapping):
        raise FieldValueError("Custom fields are an object of {field key: value}.")
    if len(raw) > MAX_FIELDS_PER_CALL:
        raise FieldValueError(f"At most {MAX_FIELDS_PER_CALL} custom fields at once.")
    allowed = set(writable) if writable is not None else None
    cleaned: dict[str, object | None] = {}
    for key, value in raw.items():
        field = fields.get(key) if isinstance(key, str) else None
        if field is None or (allowed is not None and key not in allowed and not field.archived):
            known = ", ".join(sorted(k for k, f in fields.items() if not f.archived)) or "none"
            raise FieldValueError(f"There is no custom field “{str(key)[:40]}” (the fields are: {known}).", key="")
        if field.archived:
            raise FieldValueError(f"“{field.label}” is archived: its values are read-only.", key=key)
        cleaned[key] = clean_value(field, value)
    return cleaned


def merged(current: Mapping[str, object], cleaned: Mapping[str, object | None]) -> dict[str, object]:
    """The ticket's values after applying `cleaned` (None removes the key)."""
    values = dict(current or {})
    for key, value in cleaned.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def missing_at_creation(
    fields: Iterable[FieldDef], values: Mapping[str, object], *, category_id: int | None, portal: bool
) -> list[FieldDef]:
    """Fields required at creation that are empty. A customer is asked only for the portal's fields."""
    return [
        field
        for field in fields
        if field.required_at_creation
        and not field.archived
        and (field.visible_in_portal or not portal)
        and field.applies_to(category_id)
        and values.get(field.key) in (None, "", [])
    ]


def missing_at_resolution(fields: Iterable[FieldDef], values: Mapping[str, object], *, category_id: int | None):
    return [
        field
        for field in fields
        if field.required_at_resolution
        and not field.archived
        and field.applies_to(category_id)
        and values.get(field.key) in (None, "", [])
    ]
