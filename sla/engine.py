"""Apply the clock rules to stored tickets: targets, the ticket's due columns and the clock log.

`recompute_ticket` replays the ticket's whole event history through sla.clocks (a pure function) and writes the
difference: the change-feed subscriber calls it for every change that can move a clock. Because the result is a
function of the history alone, the subscriber is correct whatever order (or how many times) the feed hands it one
ticket's entries: a late entry only means the next recompute sees one more event, and a second delivery writes
nothing. The ticket row is locked for the recompute, so two drains working on one ticket take turns and the second
sees the first's events. `recompute_locked` does it for many tickets at once (a drain batch, the demo): the reads
and each kind of write are one statement for all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sla import clocks, replayed
from sla.models import ClockEvent, SlaTarget
from sla.policies import PolicyBook, book_cache_enabled, marker_expression
from tickets.models import Ticket, TicketEvent
from tickets.services.deadlines import Deadlines, set_many_deadlines

TARGET_FIELDS = (
    "policy_id",
    "policy_version",
    "calendar_id",
    "business",
    "goal_seconds",
    "state",
    "started_at",
    "run_started_at",
    "used_seconds",
    "remaining_seconds",
    "due_at",
    "warn_at",
    "met_at",
    "seconds_to_met",
    "next_check_at",
)
SWEEP_FIELDS = ("warned_at", "breached_at", "history_until")
BATCH = 200
# What the rules and the writes read of a ticket (attributes_of, compute, Writes.add): not its text, search vector or
# custom fields.
TICKET_FIELDS = (
    "tenant_id", "created_at", "priority", "queue_id", "category_id", "channel", "contact__tier",
    "contact__organisation_id", "first_response_due_at", "next_update_due_at", "resolution_due_at", "next_due_at",
)  # fmt: skip
EVENT_FIELDS = ("id", "ticket_id", "kind", "field", "old_value", "new_value", "created_at", "actor_membership_id")


def attributes_of(ticket: Ticket) -> clocks.Attributes:
    contact = ticket.contact
    return clocks.Attributes(
        priority=ticket.priority,
        queue_id=ticket.queue_id,
        category_id=ticket.category_id,
        channel=ticket.channel,
        tier=contact.tier,
        organisation_id=contact.organisation_id,
    )


def event_of(row: dict) -> clocks.Event:
    return clocks.Event(
        id=row["id"],
        kind=row["kind"],
        at=row["created_at"],
        field=row["field"],
        old=row["old_value"],
        new=row["new_value"],
        by_staff=row["actor_membership_id"] is not None,
    )


def compute(ticket: Ticket, events: list[clocks.Event], existing: Iterable[SlaTarget], book: PolicyBook):
    """The outcome of the rules for one ticket (no writes)."""
    pinned = {target.policy_id: target.policy_version for target in existing}
    created = next((event.id for event in events if event.kind == "created"), 0)
    return clocks.replay(
        created_at=ticket.created_at,
        current=attributes_of(ticket),
        events=events,
        resolve=book.resolver(pinned),
        created_event_id=created,
    )


def recompute_ticket(
    *, ticket_id: int, book: PolicyBook | None = None, history_until: datetime | None = None
) -> clocks.Outcome:
    """Recompute one ticket's clocks from its history and store what changed (idempotent).

    `history_until`: the history up to this moment was replayed (an import): what the sweep finds due before it
    is recorded, never notified."""
    # No savepoint of its own: the feed delivers each change in a savepoint already (tickets.feed.dispatch._deliver),
    # which a failure here rolls back whole; a second one would cost two statements per ticket and undo nothing more.
    # Called outside a transaction, this block is the transaction.
    with transaction.atomic(savepoint=False):
        return recompute_locked(tickets={ticket_id: history_until}, book=book)[ticket_id]


def recompute_tickets(
    *, ticket_ids: list[int], book: PolicyBook | None = None, history_until: datetime | None = None
) -> int:
    """Recompute many tickets (the demo's history, a repair), a transaction per 200 tickets."""
    done = 0
    for start in range(0, len(ticket_ids), BATCH):
        with transaction.atomic():
            batch = dict.fromkeys(ticket_ids[start : start + BATCH], history_until)
            done += len(recompute_locked(tickets=batch, book=book, missing_ok=True))
    return done


def recompute_locked(
    *,
    tickets: dict[int, datetime | None],
    book: PolicyBook | None = None,
    missing_ok: bool = False,
    changed_by: dict[int, frozenset[int]] | None = None,
) -> dict[int, clocks.Outcome]:
    """Recompute these tickets (id -> their `history_until`) in the current transaction, the tickets locked in id
    order, and store what changed: four reads and at most six writes whatever their number (a drain batch's
    tickets, tickets.feed.batching). Raises Ticket.DoesNotExist for a missing ticket unless `missing_ok`.

    `changed_by` (ticket id -> the event ids of its live changes): a ticket whose events were all in a history
    this process replayed and committed under the same policy book is left as it is (sla.replayed); the
    result holds only the tickets recomputed."""
    ids = sorted(tickets)
    # The policy book's marker rides on the locking statement; the book is read only when it changed.
    rows = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("contact")
        .only(*TICKET_FIELDS)
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if book is None and book_cache_enabled():
        rows = rows.annotate(sla_marker=marker_expression())
    locked = list(rows)
    if len(locked) != len(ids) and not missing_ok:
        raise Ticket.DoesNotExist(f"No ticket {sorted(set(ids) - {t.pk for t in locked})}")
    if not locked:
        return {}
    tenant_id, marker = locked[0].tenant_id, getattr(locked[0], "sla_marker", None)
    if changed_by:
        locked = [ticket for ticket in locked if not _replayed_already(ticket.pk, tenant_id, marker, changed_by)]
        if not locked:
            return {}
    ids = [ticket.pk for ticket in locked]
    book = book or PolicyBook.current(tenant_id=tenant_id, marker=marker)
    events: dict[int, list] = defaultdict(list)
    for row in TicketEvent.objects.filter(ticket_id__in=ids).order_by("created_at", "id").values(*EVENT_FIELDS):
        events[row["ticket_id"]].append(event_of(row))
    targets: dict[int, list] = defaultdict(list)
    for target in SlaTarget.objects.filter(ticket_id__in=ids):
        targets[target.ticket_id].append(target)
    logs: dict[int, list] = defaultdict(list)
    for line in ClockEvent.objects.filter(ticket_id__in=ids, source_event_id__isnull=False):
        logs[line.ticket_id].append(line)
    writes, outcomes = Writes(), {}
    for ticket in locked:
        outcome = compute(ticket, events[ticket.pk], targets[ticket.pk], book)
        writes.add(ticket, outcome, targets[ticket.pk], logs[ticket.pk], history_until=tickets[ticket.pk])
        outcomes[ticket.pk] = outcome
    writes.save()
    histories = {pk: frozenset(event.id for event in events[pk]) for pk in ids}
    transaction.on_commit(lambda: replayed.remember(tenant_id=tenant_id, marker=marker, histories=histories))
    return outcomes


def _replayed_already(ticket_id: int, tenant_id: int, marker, changed_by: dict[int, frozenset[int]]) -> bool:
    events = changed_by.get(ticket_id)
    return events is not None and replayed.covered(
        tenant_id=tenant_id, ticket_id=ticket_id, marker=marker, event_ids=events
    )


@dataclass
class Writes:
    """What recomputes change, gathered over many tickets so that each kind of write is one statement."""

    new_targets: list[SlaTarget] = field(default_factory=list)
    changed_targets: list[SlaTarget] = field(default_factory=list)
    gone_targets: list[int] = field(default_factory=list)
    deadlines: list[tuple[int, Deadlines]] = field(default_factory=list)
    stale_lines: list[int] = field(default_factory=list)
    new_lines: list[ClockEvent] = field(default_factory=list)

    def add(self, ticket: Ticket, outcome: clocks.Outcome, existing: list[SlaTarget], log_rows: list[ClockEvent],
            *, history_until=None) -> None:  # fmt: skip
        now = timezone.now()
        by_kind = {target.kind: target for target in existing}
        for kind, clock in outcome.clocks.items():
            values = _target_values(clock)
            target = by_kind.pop(kind, None)
            values.update(_sweep_values(clock, target, history_until))
            if target is None:
                self.new_targets.append(
                    SlaTarget(tenant_id=ticket.tenant_id, ticket_id=ticket.pk, kind=kind, updated_at=now, **values)
                )
            elif any(getattr(target, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(target, name, value)
                target.updated_at = now
                self.changed_targets.append(target)
        # kinds the history no longer gives (a policy without that target)
        self.gone_targets.extend(target.pk for target in by_kind.values())

        deadlines = deadlines_of(outcome.clocks.values())
        current = Deadlines(ticket.first_response_due_at, ticket.next_update_due_at, ticket.resolution_due_at)
        if deadlines != current or ticket.next_due_at != deadlines.next_due:
            self.deadlines.append((ticket.pk, deadlines))
        self._add_log(ticket, outcome.log, log_rows)

    def _add_log(self, ticket: Ticket, wanted: list[clocks.LogLine], rows: list[ClockEvent]) -> None:
        """Keep the derived log equal to what the history says: usually only appends; a late entry that changes the
        past replaces the lines from where they differ (lines of a re-applied policy, without a source, stay)."""
        rows.sort(key=lambda row: row.position)
        same = 0
        while same < min(len(rows), len(wanted)) and _line_key(rows[same]) == _line_key(wanted[same]):
            same += 1
        self.stale_lines.extend(row.pk for row in rows[same:])
        self.new_lines.extend(
            ClockEvent(
                tenant_id=ticket.tenant_id,
                ticket_id=ticket.pk,
                target_kind=line.target_kind,
                action=line.action,
                at=line.at,
                due_at=line.due_at,
                reason=line.reason,
                source_event_id=line.source_event_id,
                position=position,
            )
            for position, line in enumerate(wanted[same:], start=same)
        )

    def save(self) -> None:
        if self.new_targets:
            SlaTarget.objects.bulk_create(self.new_targets)
        if self.changed_targets:
            SlaTarget.objects.bulk_update(self.changed_targets, [*TARGET_FIELDS, *SWEEP_FIELDS, "updated_at"])
        if self.gone_targets:
            SlaTarget.objects.filter(pk__in=self.gone_targets).delete()
        if self.deadlines:
            set_many_deadlines(rows=self.deadlines)
        if self.stale_lines:  # before the inserts: the replacing lines take the stale lines' positions
            ClockEvent.objects.filter(pk__in=self.stale_lines).delete()
        if self.new_lines:
            ClockEvent.objects.bulk_create(self.new_lines)


def deadlines_of(targets) -> Deadlines:
    dues = {clock.kind: clock.due_at for clock in targets if clock.state == clocks.RUNNING}
    return Deadlines(
        first_response=dues.get(clocks.FIRST_RESPONSE),
        next_update=dues.get(clocks.NEXT_UPDATE),
        resolution=dues.get(clocks.RESOLUTION),
    )


def _target_values(clock: clocks.Clock) -> dict:
    return {
        "policy_id": clock.policy_id,
        "policy_version": clock.policy_version,
        "calendar_id": clock.calendar_id,
        "business": clock.business,
        "goal_seconds": clock.goal,
        "state": clock.state,
        "started_at": clock.started_at,
        "run_started_at": clock.run_started_at,
        "used_seconds": clock.used,
        "remaining_seconds": clock.remaining if clock.state == clocks.PAUSED else None,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "met_at": clock.met_at,
        "seconds_to_met": clock.seconds_to_met,
        "next_check_at": clock.next_check_at,
    }


def _sweep_values(clock: clocks.Clock, target: SlaTarget | None, history_until) -> dict:
    """What the sweep has recorded stays for the same run of the target (a new run starts empty), and the next
    check skips it: a warned target is looked at again at its due, a breached one when the sweep said (the
    ladder's steps after the breach), so the sweep's indexed query never finds a target twice for one thing."""
    same_run = target is not None and target.started_at == clock.started_at
    warned = target.warned_at if same_run else None
    breached = target.breached_at if same_run else None
    kept = target.history_until if target is not None else None
    if history_until is not None and (kept is None or history_until > kept):
        kept = history_until
    if clock.state != clocks.RUNNING:
        next_check = None
    elif breached is not None:
        # The sweep owns it after a breach; a run resumed after a pause is looked at again once.
        next_check = (target.next_check_at if target.state == clocks.RUNNING else None) or breached
    elif warned is not None:
        next_check = clock.due_at
    else:
        next_check = clock.next_check_at
    return {"warned_at": warned, "breached_at": breached, "history_until": kept, "next_check_at": next_check}


def _line_key(line) -> tuple:
    if isinstance(line, ClockEvent):
        return (line.target_kind, line.action, line.at, line.due_at, line.reason, line.source_event_id)
    return (line.target_kind, line.action, line.at, line.due_at, line.reason, line.source_event_id)
