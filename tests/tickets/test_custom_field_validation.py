"""tickets.custom_fields.validation: each type's rules, hostile input, unknown keys and archived fields."""

from __future__ import annotations

import datetime

import pytest

from tickets.custom_fields.definitions import FieldDef, Type
from tickets.custom_fields.validation import (
    MAX_LONG_TEXT,
    MAX_TEXT,
    FieldValueError,
    clean_value,
    clean_values,
    missing_at_creation,
    missing_at_resolution,
)


def field(type_: str, key: str = "f", **extra) -> FieldDef:
    values = {
        "pk": 1,
        "key": key,
        "label": key.title(),
        "help_text": "",
        "type": type_,
        "choices": (("cloud", "Tessera Cloud"), ("onprem", "Tessera On-Prem"), ("mobile", "Mobile app")),
        "position": 0,
        "visible_in_portal": True,
        "category_ids": frozenset(),
        "required_at_creation": False,
        "required_at_resolution": False,
        "archived": False,
    }
    values.update(extra)
    return FieldDef(**values)


@pytest.mark.parametrize(
    ("type_", "raw", "stored"),
    [
        (Type.TEXT, "  ORD-1042  ", "ORD-1042"),
        (Type.TEXT, "<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as text, escaped when shown
        (Type.TEXT, "", None),
        (Type.LONG_TEXT, "line one\r\nline two", "line one\nline two"),
        (Type.LONG_TEXT, "   ", None),
        (Type.NUMBER, "42", 42),
        (Type.NUMBER, 3.25, 3.25),
        (Type.NUMBER, "-0.5", -0.5),
        (Type.NUMBER, "1e3", 1000),
        (Type.NUMBER, "", None),
        (Type.DATE, "2026-02-28", "2026-02-28"),
        (Type.DATE, datetime.date(2026, 1, 2), "2026-01-02"),
        (Type.CHOICE, "cloud", "cloud"),
        (Type.CHOICE, "", None),
        (Type.MULTI_CHOICE, ["mobile", "cloud", "cloud"], ["cloud", "mobile"]),
        (Type.MULTI_CHOICE, [], None),
        (Type.CHECKBOX, True, True),
        (Type.CHECKBOX, False, None),
        (Type.CHECKBOX, "on", True),
    ],
)
def test_clean_value_accepts_and_normalises_each_type(type_, raw, stored):
    # given a field of the type
    # when a value is cleaned
    # then it is stored in its canonical JSON form (None: no value)
    assert clean_value(field(type_), raw) == stored


@pytest.mark.parametrize(
    ("type_", "raw", "message"),
    [
        (Type.TEXT, "x" * (MAX_TEXT + 1), "at most 255"),
        (Type.TEXT, "two\nlines", "one line"),
        (Type.TEXT, "null\x00byte", "control characters"),
        (Type.TEXT, "bell\x07", "control characters"),
        (Type.TEXT, 12, "give text"),
        (Type.TEXT, "x" * 1_000_000, "far too long"),
        (Type.LONG_TEXT, "y" * (MAX_LONG_TEXT + 1), "at most 10,000"),
        (Type.LONG_TEXT, {"$ne": 1}, "give text"),
        (Type.NUMBER, "twelve", "not a number"),
        (Type.NUMBER, "NaN", "finite"),
        (Type.NUMBER, "Infinity", "finite"),
        (Type.NUMBER, float("inf"), "finite"),
        (Type.NUMBER, "1e400", "under a trillion"),
        (Type.NUMBER, 10**12, "under a trillion"),
        (Type.NUMBER, "0.123456", "decimal places"),
        (Type.NUMBER, True, "give a number"),
        (Type.NUMBER, "9" * 41, "too long"),
        (Type.DATE, "28/02/2026", "YYYY-MM-DD"),
        (Type.DATE, "2026-02-30", "not a date"),
        (Type.DATE, "0001-01-01", "year between"),
        (Type.DATE, 20260101, "YYYY-MM-DD"),
        (Type.DATE, datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC), "without a time"),
        (Type.CHOICE, "Tessera Cloud", "not one of the choices"),
        (Type.CHOICE, ["cloud"], "one of the choices"),
        (Type.CHOICE, "<img src=x onerror=alert(1)>", "not one of the choices"),
        (Type.MULTI_CHOICE, ["cloud", "nope"], "not one of the choices"),
        (Type.MULTI_CHOICE, ["cloud"] * 50, "more values than there are choices"),
        (Type.MULTI_CHOICE, {"cloud": True}, "list"),
        (Type.CHECKBOX, "maybe", "true or false"),
        (Type.CHECKBOX, 1, "true or false"),
    ],
)
def test_clean_value_refuses_wrong_and_hostile_input_with_a_message(type_, raw, message):
    # given a field of the type
    # when a wrong or hostile value is cleaned
    # then it is refused, the message naming the field
    with pytest.raises(FieldValueError, match=message) as refused:
        clean_value(field(type_), raw)
    assert refused.value.key == "f"


def test_clean_values_refuses_unknown_keys_archived_fields_and_hidden_fields():
    # given an active portal field, an agent-only field and an archived field
    fields = {
        "product": field(Type.CHOICE, "product"),
        "internal": field(Type.TEXT, "internal", visible_in_portal=False),
        "old": field(Type.TEXT, "old", archived=True),
    }
    # when values name an unknown key, an archived field, or (for a customer) a field the portal hides
    # then each is refused
    with pytest.raises(FieldValueError, match="no custom field “prodcut”"):
        clean_values({"prodcut": "cloud"}, fields=fields)
    with pytest.raises(FieldValueError, match="archived"):
        clean_values({"old": "x"}, fields=fields)
    with pytest.raises(FieldValueError, match="no custom field “internal”"):
        clean_values({"internal": "x"}, fields=fields, writable=["product"])
    with pytest.raises(FieldValueError, match="object"):
        clean_values(["product"], fields=fields)
    # and a good value passes
    assert clean_values({"product": "cloud", "internal": None}, fields=fields) == {"product": "cloud", "internal": None}


def test_missing_required_respects_stage_portal_and_category():
    # given fields required at creation or resolution, one only for category 7, one hidden from the portal
    fields = [
        field(Type.CHOICE, "product", required_at_creation=True),
        field(Type.TEXT, "order", required_at_creation=True, visible_in_portal=False),
        field(Type.TEXT, "contract", required_at_resolution=True, category_ids=frozenset({7})),
        field(Type.TEXT, "gone", required_at_resolution=True, archived=True),
    ]
    # when nothing is filled in
    # then the portal asks only for its own fields, the desk for all, and resolution only in category 7
    assert [f.key for f in missing_at_creation(fields, {}, category_id=None, portal=True)] == ["product"]
    assert [f.key for f in missing_at_creation(fields, {}, category_id=None, portal=False)] == ["product", "order"]
    assert missing_at_resolution(fields, {}, category_id=3) == []
    assert [f.key for f in missing_at_resolution(fields, {}, category_id=7)] == ["contract"]
    assert missing_at_resolution(fields, {"contract": "Gold"}, category_id=7) == []
