"""Two of psycopg's adapters replaced with faster equivalents for this backend's connections (the worker's drain
spent a fifth of its Python here; every page reads timestamps too).

- Timestamps with time zone are parsed by psycopg's C loader. Django's own loader subclasses the pure-Python
  one to set the zone (a C class cannot be subclassed), which costs about 6 µs a value; a ticket row holds a
  dozen. Installed only when Django's zone is UTC, the session zone Django sets, so the C loader's value already
  carries `datetime.timezone.utc`, as Django's would.
- Lists (Django 5.2 inserts many rows as one UNNEST of array parameters, and this backend binds on the client)
  are written as psycopg writes them, except that quotes and backslashes are escaped with bytes.replace instead
  of a regular expression with a template (a JSON value is full of quotes: one template expansion each).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from psycopg import adapt, adapters
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format
from psycopg.types.array import ListDumper

TIMESTAMPTZ_OID = types["timestamptz"].oid
UTC = datetime.UTC


class UtcTimestampLoader(Loader):
    """psycopg's default (C, when psycopg-binary is installed) timestamptz loader, for a session in UTC."""

    timezone = UTC  # Django's create_cursor compares this with the connection's zone

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._load = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)(oid, context).load

    def load(self, data):
        value = self._load(data)
        # Django sets the session zone to UTC; should a session say otherwise, the same instant in UTC.
        return value if value.tzinfo is UTC else value.astimezone(UTC)


class QuickListDumper(ListDumper):
    """psycopg's text ListDumper, its element escaping done with bytes.replace (same output)."""

    def _dump_list(self, obj, tokens, needs_quotes) -> None:
        if not obj:
            tokens.append(b"{}")
            return
        dump = self.sub_dumper.dump if self.sub_dumper else self._dump_item
        delimiter = self.delimiter
        tokens.append(b"{")
        for item in obj:
            if item is None:
                tokens.append(b"NULL")
            elif isinstance(item, list):
                self._dump_list(item, tokens, needs_quotes)
            elif (dumped := dump(item)) is None:
                tokens.append(b"NULL")
            else:
                if needs_quotes(dumped):
                    dumped = b'"' + bytes(dumped).replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
                tokens.append(dumped)
            tokens.append(delimiter)
        tokens[-1] = b"}"


@lru_cache
def quicker(template: adapt.AdaptersMap, timezone: datetime.tzinfo | None) -> adapt.AdaptersMap:
    """Django's adapters `template` with the two above (the timestamp loader only for UTC)."""
    context = adapt.AdaptersMap(template)
    context.register_dumper(list, QuickListDumper)
    if timezone is UTC:
        context.register_loader("timestamptz", UtcTimestampLoader)
    return context
