"""Indexes that declare what only some databases have."""

from __future__ import annotations

from django.db import connection, models


class CoveringIndex(models.Index):
    """An index with INCLUDE columns on databases that have them (PostgreSQL), a plain index elsewhere (SQLite).

    Django ignores `include` on SQLite but warns about it (models.W040) at every start of the demo; declaring it only
    where the database supports it removes the cause. Migrations keep seeing a plain `models.Index` with its
    `include` (see `deconstruct`), so the migration history and PostgreSQL's index are unchanged.
    """

    def __init__(self, *args, include=None, **kwargs):
        self.covering = tuple(include or ())
        supported = connection.features.supports_covering_indexes
        super().__init__(*args, include=self.covering if supported else None, **kwargs)

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        if self.covering:
            kwargs["include"] = self.covering
        return "django.db.models.Index", args, kwargs

    def __eq__(self, other):
        # Equal to the plain index the migrations hold, or makemigrations would want to recreate it.
        if isinstance(other, models.Index):
            return self.deconstruct() == other.deconstruct()
        return NotImplemented

    __hash__ = None
