"""The backend's faster adapters (tenancy.db.postgresql.adapters): the same values as psycopg's and Django's own."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListDumper

from tenancy.db.postgresql.adapters import QuickListDumper, UtcTimestampLoader

pytestmark = pytest.mark.django_db

AWKWARD = [
    "a b",
    'say "hi"',
    "back\\slash",
    '\\"',
    None,
    "",
    "NULL",
    "null",
    "é ü",
    "{x,y}",
    "tab\there",
    '{"k": "v\\""}',
]


def test_the_connection_uses_them():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    assert adapters.get_loader(1184, 0) is UtcTimestampLoader
    assert adapters.get_dumper(list, PyFormat.TEXT) is QuickListDumper


def test_awkward_text_arrays_and_json_arrays_round_trip():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::jsonb[], %s::text[]", [AWKWARD, ['{"a": "b\\"c"}', "[1, 2]"], []])
        texts, jsons, empty = cursor.fetchone()
    assert texts == AWKWARD
    assert jsons == ['{"a": "b\\"c"}', "[1, 2]"]
    assert empty == []


def test_list_dumper_writes_what_psycopgs_writes():
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    transformer = Transformer()
    for _ in range(500):
        values = ["".join(rng.choice('ab "\\{},NUL\u00e9\t') for _ in range(rng.randint(0, 8))) for _ in range(4)]
        values += [None, rng.choice(AWKWARD)]
        theirs = ListDumper(list, transformer).upgrade(values, PyFormat.TEXT).dump(values)
        ours = QuickListDumper(list, transformer).upgrade(values, PyFormat.TEXT).dump(values)
        assert bytes(ours) == bytes(theirs)


def test_timestamps_load_in_utc_as_djangos_loader_does():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '2026-03-29 01:30:00.123456+02'::timestamptz, '1999-12-31 23:59:59+00'::timestamptz, "
            "NULL::timestamptz"
        )
        first, second, none = cursor.fetchone()
    assert first == datetime.datetime(2026, 3, 28, 23, 30, 0, 123456, tzinfo=datetime.UTC)
    assert first.tzinfo is datetime.UTC and second.tzinfo is datetime.UTC
    assert second == datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
    assert none is None
