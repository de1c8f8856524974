"""SLA's subscriber on the change feed (registered in SlaConfig.ready).

Order: the feed normally hands one ticket's entries over in commit order, but does not promise it (see
tickets.feed.dispatch). The subscriber does not depend on it: for every entry that can move a clock it recomputes
the ticket's clocks from the ticket's whole event history, ordered by the events' own `created_at` (then id), under
a lock on the ticket row (sla.engine). An entry handed over late, twice or out of order therefore gives the same
targets as the history in order; replayed history (imports, the demo) is processed the same way, with the
events' original times. SLA records and computes in replay but sends nothing: the targets keep how far replayed
history reached (`history_until`), and the sweep (sla.sweep) records what passed before it without telling anyone.
"""

from __future__ import annotations

from datetime import datetime

from sla.clocks import RELEVANT_KINDS
from sla.engine import recompute_locked, recompute_ticket
from tickets.feed.batching import ChangeBatch
from tickets.feed.registry import Change

FEED_SUBSCRIBER = "sla"


def accepts_change(change: Change) -> bool:
    return any(kind in RELEVANT_KINDS for kind in change.kinds)


def history_until(changes: list[Change]) -> datetime | None:
    """How far replayed history reached: the latest event of the replayed changes (None when all are live). The
    first recompute already reads the ticket's whole history, so handing over several changes one by one keeps the
    latest too (sla.engine keeps the later of this and what a target held)."""
    return max((event.created_at for change in changes if change.replay for event in change.events), default=None)


def live_events(changes: list[Change]) -> frozenset[int] | None:
    """The event ids of a ticket's changes when all are live (None with replayed history among them, which is
    always recomputed: see sla.replayed)."""
    if any(change.replay for change in changes):
        return None
    return frozenset(event.id for change in changes for event in change.events)


def recompute_batch(tickets: dict[int, list[Change]]) -> None:
    """A batch's tickets recomputed together: four reads and a few bulk writes for all of them, not seven per
    change; a ticket whose changes were all in a history already replayed here (routing's, made before this
    batch's turn) is left out."""
    changed_by = {pk: events for pk, changes in tickets.items() if (events := live_events(changes)) is not None}
    recompute_locked(tickets={pk: history_until(changes) for pk, changes in tickets.items()}, changed_by=changed_by)


batch = ChangeBatch("sla_targets_batch", recompute_batch)


def handle_change(change: Change) -> None:
    if batch.collect(change):
        return
    # Replayed history: the deadlines it passed are recorded by the sweep but announced to nobody.
    recompute_ticket(ticket_id=change.ticket_id, history_until=history_until([change]))
