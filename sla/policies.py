"""Which policy applies to a ticket, and the terms of a policy version (immutable, so cached per process)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

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
        calendars = {c.pk: c for c in Calendar.objects.prefetch_related("holidays")}
        return cls(policies=list(SlaPolicy.objects.order_by("position", "id")), calendars=calendars)

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
