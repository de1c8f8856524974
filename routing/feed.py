"""Routing's subscriber on the change feed (registered in RoutingConfig.ready).

Every entry that opened a ticket is routed by the rules in force; an entry that changed a ticket is routed by the
rules marked "also on updates" (and a ticket a person moved to another queue is offered to its strategy). Changes
made only by routing itself are never handed back (the subscriber's `own_automation`), so rules cannot loop.

Replayed history (imports, the demo) is routed too, at the moment it happened (its events' own times), and
notifies no one. An entry handed over twice is decided once: the feed's receipt and the decision's unique entry id
both say so, and a retry after a failure finds the rolled-back entry undecided.
"""

from __future__ import annotations

from tickets import clock
from tickets.feed.registry import Change

FEED_SUBSCRIBER = "routing"
OWN_AUTOMATION = "routing"


def accepts_change(change: Change) -> bool:
    return bool(change.events)


def handle_change(change: Change):
    from routing import batch
    from routing.engine import CREATED, UPDATED
    from routing.route import route_ticket

    reads = batch.current()
    if reads is not None and reads.defer(change):
        return None  # a new ticket: routed with the batch's other new tickets at its end

    trigger = CREATED if "created" in change.kinds else UPDATED
    arguments = {
        "ticket_id": change.ticket_id,
        "trigger": trigger,
        "entry_id": change.entry_id,
        "change_events": change.events,
        "replay": change.replay,
    }
    if change.replay:
        # Decide at the moment the change happened: the decision's events sit in the history where they belong.
        with clock.replaying(max(event.created_at for event in change.events)):
            return route_ticket(**arguments)
    return route_ticket(**arguments)
