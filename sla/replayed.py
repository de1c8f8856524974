"""The histories this process has replayed and committed, per ticket: so a change whose events were all part of
one needs no second recompute.

A new ticket's clocks are recomputed twice in one drain otherwise: routing, which runs first on the batch,
changes the ticket (queue, priority, assignee) before SLA's turn, so SLA's recompute of the "created" entry already
replays routing's events; routing's own entry then comes in the next batch with nothing new in it. The recompute is
a function of the events, the ticket's current values and the policy book, so it is skipped only when

- every event of the change was in a history this process replayed and committed (event ids, not a highest id:
  a transaction that does not lock the ticket may commit a lower id after a higher one was read),
- the policy book's marker is the one that history was replayed with, and
- the change is live (replayed history keeps how far it reached on the targets, so it is always recomputed).

A ticket's values change only with events of their own (every service records them in the same transaction),
and those arrive in a later entry that is recomputed. Another process recomputing the ticket later only stores a
longer history's result, which the skipped change was part of. Bounded: the oldest tickets are forgotten first.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenancy.process_copies import ProcessCopies

# (tenant id, ticket id) -> (the policy book's marker, the event ids replayed). Tuples of numbers, which the
# collector stops tracking; routing's change comes a batch after SLA's replay, so seconds of tickets are enough.
_seen = ProcessCopies(size=10_000)


def covered(*, tenant_id: int, ticket_id: int, marker: str | None, event_ids: Iterable[int]) -> bool:
    """Whether every one of `event_ids` was in a committed replay of this ticket under this `marker`."""
    if marker is None:
        return False
    found = _seen.get((tenant_id, ticket_id))
    return found is not None and found[0] == marker and set(event_ids).issubset(found[1])


def remember(*, tenant_id: int, marker: str | None, histories: dict[int, frozenset[int]]) -> None:
    """Record replays that have committed (call from `transaction.on_commit`)."""
    if marker is None:
        return
    for ticket_id, event_ids in histories.items():
        _seen.put((tenant_id, ticket_id), (marker, tuple(event_ids)))


def forget_all() -> None:
    _seen.clear()
