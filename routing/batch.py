"""What routing reads for a whole drain batch at once (the feed subscriber's `batch`), instead of per ticket: the
rules in force, which entries were decided already, the names of queues and agents, which tickets had their queue
chosen by a person, and the facts of every new ticket. The new tickets themselves are routed together when the
batch's changes have all been handed over (routing.route.route_together), in the batch's transaction.

Facts are read before the ticket is locked, so they are used only when the locked row shows the ticket unchanged
since (`updated_at`, which every ticket service moves); otherwise the engine reads them afresh under its lock, as
it does outside a batch. Everything else read here cannot change under the batch: decisions are unique per entry
and the batch's receipts keep other drains off its entries, and a queue is chosen by a person only at creation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from routing.compiler import CompiledRuleSet, compiled_version
from routing.conditions import Facts
from routing.facts import facts_of
from routing.models import AssignmentDecision, RoutingDecision, RuleSetVersion
from routing.names import Names
from tickets.feed.registry import Change
from tickets.models import Ticket, TicketEvent

_current: ContextVar[BatchReads | None] = ContextVar("routing_batch", default=None)


@dataclass
class BatchReads:
    ruleset: CompiledRuleSet
    decided: set[int]  # entries with a rule decision
    assigned: set[int]  # entries with an assignment decision
    explicit: set[int]  # tickets whose queue a person chose at creation
    names: Names = field(default_factory=Names)
    facts: dict[int, tuple[Facts, datetime]] = field(default_factory=dict)
    new: list[Change] = field(default_factory=list)  # new tickets' changes, routed together at the batch's end

    def defer(self, change: Change) -> bool:
        """Keep a new ticket's change for the batch's end (routing.route.route_together); False for any other
        (an update, replayed history, a ticket changed twice in the batch), which is routed at once."""
        if change.replay or change.ticket_id not in self.facts:
            return False
        self.new.append(change)
        return True

    def facts_for(self, ticket: Ticket) -> Facts | None:
        """The ticket's facts read with the batch, if the locked `ticket` has not changed since."""
        found = self.facts.get(ticket.pk)
        if found is None or found[1] != ticket.updated_at:
            return None
        return found[0]


def assigned_entries(entry_ids: list[int]) -> QuerySet:
    """Which of these feed entries an assignment decision was recorded for (index routing_assigndec_entry)."""
    return AssignmentDecision.objects.filter(entry_id__in=entry_ids).values_list("entry_id", flat=True)


def current() -> BatchReads | None:
    return _current.get()


@contextmanager
def reading_together(changes: list[Change]) -> Iterator[BatchReads]:
    """Read, in a fixed number of queries, what routing the batch's `changes` needs; the engine finds it through
    `current()` until the batch ends."""
    entry_ids = [change.entry_id for change in changes]
    ticket_ids = {change.ticket_id for change in changes}
    version = RuleSetVersion.objects.order_by("-number").first()
    reads = BatchReads(
        ruleset=compiled_version(version),
        decided=set(RoutingDecision.objects.filter(entry_id__in=entry_ids).values_list("entry_id", flat=True)),
        assigned=set(assigned_entries(entry_ids)),
        explicit=set(
            TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind="queue_chosen").values_list(
                "ticket_id", flat=True
            )
        ),
    )
    # Facts only for tickets the batch routes once, as new: a ticket changed twice in the batch is read afresh.
    seen: dict[int, int] = {}
    for change in changes:
        seen[change.ticket_id] = seen.get(change.ticket_id, 0) + 1
    new = [c.ticket_id for c in changes if seen[c.ticket_id] == 1 and "created" in c.kinds]
    if new:
        # The row's version first: a change after it moves updated_at, and the facts are then not used.
        versions = dict(Ticket.objects.filter(pk__in=new).values_list("pk", "updated_at"))
        for facts in facts_of(Ticket.objects.filter(pk__in=new)):
            reads.facts[facts.ticket_id] = (facts, versions[facts.ticket_id])
    token = _current.set(reads)
    try:
        yield reads
        # Not reached when a change failed: the batch is rolled back and redone change by change, without it.
        if reads.new:
            from routing.route import route_together

            route_together(reads.new, reads)
    finally:
        _current.reset(token)
