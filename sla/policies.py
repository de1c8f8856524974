"""Which policy applies to a ticket, and the terms of a policy version (immutable, so cached per process).

The tenant's policy book (its policies and calendars with their holidays: three queries) is cached per process
under (tenant, marker). The marker lists every policy's (id, version, position, is-default flag, calendar) and
every calendar's (id, version): every edit through sla.services bumps a version (a holiday bumps its calendar's),
a create or delete changes the ids, and the default flag taken from another policy is listed too, so a changed
book never has an old marker. The marker is one subquery the engine adds to the statement that locks the ticket
(no statement of its own), so the subscriber reads the book only when something changed. The cached book is keyed
by the marker of the rows it actually loaded, never by the marker read before loading them, so a change that
commits between the two can only cause one more load, not a stale book.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from sla.business_time import compiled
from sla.clocks import Attributes, Terms
from sla.models import Calendar, PolicyVersion, SlaPolicy

CONDITION_FIELDS = {
    "tiers": "tier",
    "organisations": "organisation_id",
    "categories": "category_id",
    "channels": "channel",
    "queues": "queue_id",
}

_snapshots: dict[tuple[int, int, int], dict] = {}
_lock = threading.Lock()
_books: dict[tuple[int, str], PolicyBook] = {}
_BOOK_LIMIT = 256
# Both subqueries repeat the row-level-security predicate (tenancy.migration_ops), so the marker stays the tenant's
# own on a connection that bypasses it. The Python twin is PolicyBook.marker: same order, same separators (concat_ws
# skips NULLs, as the twin does).
MARKER_SQL = (
    "concat("
    "(SELECT string_agg(concat_ws('.', p.id, p.version, p.position, p.is_default::int, p.calendar_id), ',' "
    "ORDER BY p.id) FROM sla_slapolicy p "
    "WHERE p.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint), '|', "
    "(SELECT string_agg(concat_ws('.', c.id, c.version), ',' ORDER BY c.id) "
    "FROM sla_calendar c WHERE c.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint))"
)


def matches(conditions: dict, attributes: Attributes) -> bool:
    """Every non-empty condition list contains the ticket's value (ids compared as strings: JSON keeps either)."""
    for key, attribute in CONDITION_FIELDS.items():
        wanted = conditions.get(key) or []
        if wanted and str(getattr(attributes, attribute)) not in {str(value) for value in wanted}:
            return False
    return True


def choose_policy(policies: list[SlaPolicy], attributes: Attributes) -> SlaPolicy | None:
    """The first non-default policy (in position order) whose conditions match, else the default."""
    for policy in policies:
        if not policy.is_default and matches(policy.conditions or {}, attributes):
            return policy
    return next((policy for policy in policies if policy.is_default), None)


@dataclass
class PolicyBook:
    """The tenant's policies and calendars, loaded once per batch of tickets (three queries)."""

    policies: list[SlaPolicy]
    calendars: dict[int, Calendar]

    @classmethod
    def load(cls) -> PolicyBook:
        """Read the book afresh (three queries); `current` is the cached way."""
        calendars = {c.pk: c for c in Calendar.objects.prefetch_related("holidays")}
        return cls(policies=list(SlaPolicy.objects.order_by("position", "id")), calendars=calendars)

    @classmethod
    def current(cls, *, tenant_id: int, marker: str | None = None) -> PolicyBook:
        """The tenant's book, from the process cache when `marker` (read with `marker_expression`, or here with one
        query) says nothing changed since it was loaded. The book is shared: read it, never change it.

        The marker is PostgreSQL SQL; the SQLite demo (one process, a few hundred tickets) reads the book afresh."""
        if not book_cache_enabled():
            return cls.load()
        if marker is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {MARKER_SQL}")
                marker = cursor.fetchone()[0]
        found = _books.get((tenant_id, marker))
        if found is not None:
            return found
        book = cls.load()
        with _lock:
            if len(_books) >= _BOOK_LIMIT:
                _books.clear()
            _books[(tenant_id, book.marker())] = book
        return book

    def marker(self) -> str:
        """The marker of the rows this book holds (the twin of MARKER_SQL)."""
        policies = ",".join(
            ".".join(str(v) for v in (p.pk, p.version, p.position, int(p.is_default), p.calendar_id) if v is not None)
            for p in sorted(self.policies, key=lambda p: p.pk)
        )
        calendars = ",".join(f"{c.pk}.{c.version}" for c in sorted(self.calendars.values(), key=lambda c: c.pk))
        return f"{policies}|{calendars}"

    def terms(self, policy: SlaPolicy, version: int) -> Terms | None:
        snapshot = _snapshot(policy, version)
        calendar = self.calendars.get(snapshot["calendar_id"])
        if calendar is None:
            return None
        return Terms(
            policy_id=policy.pk,
            policy_name=policy.name,
            calendar=compiled(calendar),
            **snapshot,
        )

    def resolver(self, pinned: dict[int, int]):
        """`resolve(attributes) -> Terms`: the matching policy, at the version the ticket is pinned to (edits apply
        to new tickets) or its current one."""

        def resolve(attributes: Attributes) -> Terms | None:
            policy = choose_policy(self.policies, attributes)
            if policy is None:
                return None
            return self.terms(policy, pinned.get(policy.pk, policy.version))

        return resolve


def book_cache_enabled() -> bool:
    return connection.vendor == "postgresql"


def marker_expression() -> RawSQL:
    """An annotation giving the current tenant's marker, to ride on a query the caller makes anyway."""
    from django.db.models import TextField

    return RawSQL(MARKER_SQL, (), output_field=TextField())  # noqa: S611 - constant SQL


def _snapshot(policy: SlaPolicy, version: int) -> dict:
    """A version's terms (never change once written: cached per process); the policy row holds the current one."""
    key = (policy.tenant_id, policy.pk, version)
    found = _snapshots.get(key)
    if found is not None:
        return found
    source = policy
    if version != policy.version:
        source = PolicyVersion.objects.filter(policy=policy, version=version).first() or policy
    found = {
        "version": source.version,
        "calendar_id": source.calendar_id,
        "targets": source.targets or {},
        "warn_percent": source.warn_percent,
        "warn_minutes_before": source.warn_minutes_before,
        "pause_on_hold": source.pause_on_hold,
    }
    if source is policy and version != policy.version:
        return found  # an unknown old version: the current terms, not cached under the old number
    with _lock:
        if len(_snapshots) > 4096:
            _snapshots.clear()
        _snapshots[key] = found
    return found
