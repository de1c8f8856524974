"""The SLA sweep: record warnings and breaches at their true times, tell people, and run the escalation ladder.

Run every minute per tenant (sla.tasks, under the tenant's job lease). It reads the running targets whose
`next_check_at` has passed, through the partial index on (tenant, next_check_at) WHERE state = 'running', in
batches ordered by that column; `next_check_at` is the target's warning, then its due, then the ladder's next step
after the breach, and the engine keeps it past what the sweep has recorded (sla.engine._sweep_values), so a target
is found once per thing to do, and the work grows with the targets due, not with the open tickets.

Per batch, one transaction: lock the tickets (SKIP LOCKED: a second sweep running at the same time takes the
others, and a ticket being changed waits for the next minute), re-read their targets under lock, then decide:

- a breach is recorded once per run of a target (SlaAlert's unique constraint, and `breached_at` on the target)
  with the due as its time, however late the sweep comes;
- a warning only while the target is not breached: after an outage that spanned both, the breach alone is told;
- each ladder step whose moment passed runs once (LadderRun's unique constraint), in order of moment; a warning
  step's notification is not sent when the target is already breached (a late warning says nothing new);
- deadlines that passed in replayed history (before the target's `history_until`: an import, the demo) are
  recorded, never notified and never escalated;
- a ticket whose latest clock-moving changes the SLA subscriber has not yet taken (feed lag) is left for the next
  run, so a reply that met a deadline is never reported as a breach.

Events (`sla_warning`, `sla_breached`, `sla_escalated`) are written in one INSERT per batch with their true times,
notifications in one more, their mails as one outbox row (sla.alerts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sla import alerts, ladder
from sla.clocks import RELEVANT_KINDS
from sla.feed import FEED_SUBSCRIBER
from sla.models import LadderRun, SlaAlert, SlaTarget, TargetKind
from tenancy.context import require_tenant_id
from tickets import event_kinds
from tickets.feed.recording import event_recorded
from tickets.models import FeedEntry, FeedReceipt, Ticket, TicketEvent

BATCH_SIZE = 500
MAX_BATCHES = 200  # 100,000 targets a run at most; the next minute goes on
TICKET_FIELDS = ("id", "tenant_id", "number", "status", "is_open", "priority", "queue_id", "assignee_id",
                 "escalation_level")  # fmt: skip


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    steps: int = 0
    notifications: int = 0
    deferred: int = 0
    batches: int = 0


@dataclass
class _Batch:
    alerts: list[SlaAlert] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)
    runs: list[LadderRun] = field(default_factory=list)
    notices: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    targets: list[SlaTarget] = field(default_factory=list)


def sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Record what is due in the current tenant; idempotent (a second run at the same moment records nothing)."""
    now = now or timezone.now()
    tenant_id = require_tenant_id()
    result = SweepResult()
    audience = alerts.Audience.load()
    ladders = ladder.load_ladders()
    after: tuple[datetime, int] | None = None
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            candidates = _candidates(now, after, batch_size)
            if not candidates:
                break
            after = candidates[-1][2], candidates[-1][0]
            _sweep_batch(candidates, now=now, tenant_id=tenant_id, audience=audience, ladders=ladders, result=result)
        result.batches += 1
        if len(candidates) < batch_size:
            break
    return result


def _candidates(now: datetime, after: tuple[datetime, int] | None, batch_size: int) -> list[tuple]:
    """(target id, ticket id, next_check_at) of the next batch, on the partial index; keyset after the last
    batch, so targets left for later (a locked ticket) do not stop the run."""
    due = SlaTarget.objects.filter(state=SlaTarget.State.RUNNING, next_check_at__lte=now)
    if after is not None:
        moment, pk = after
        due = due.filter(Q(next_check_at__gt=moment) | Q(next_check_at=moment, pk__gt=pk))
    return list(due.order_by("next_check_at", "pk").values_list("pk", "ticket_id", "next_check_at")[:batch_size])


def _sweep_batch(candidates, *, now, tenant_id, audience, ladders, result: SweepResult) -> None:
    ticket_ids = sorted({ticket_id for _pk, ticket_id, _at in candidates})
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=ticket_ids)
        .only(*TICKET_FIELDS)
        .order_by("pk")
    }
    waiting = _awaiting_the_feed(list(tickets))
    result.deferred += len(ticket_ids) - len(tickets) + len(waiting)
    ready = [pk for pk in tickets if pk not in waiting]
    targets = list(
        SlaTarget.objects.select_for_update(of=("self",))
        .filter(pk__in=[pk for pk, _t, _a in candidates], ticket_id__in=ready)
        .filter(state=SlaTarget.State.RUNNING, next_check_at__lte=now)
        .order_by("pk")
    )
    if not targets:
        return
    ran: dict[tuple[int, datetime], set[int]] = defaultdict(set)
    for target_id, step_id, run_started_at in LadderRun.objects.filter(
        target_id__in=[t.pk for t in targets]
    ).values_list("target_id", "step_id", "run_started_at"):
        ran[(target_id, run_started_at)].add(step_id)
    batch = _Batch()
    for target in targets:
        ticket = tickets[target.ticket_id]
        tickets[target.ticket_id] = _check(target, ticket, now=now, tenant_id=tenant_id, audience=audience,
                                           steps=ladders.get((target.policy_id, target.kind), []),
                                           ran=ran[(target.pk, target.started_at)], batch=batch)  # fmt: skip
    _write(batch, now=now, result=result)


def _awaiting_the_feed(ticket_ids: list[int]) -> set[int]:
    """Tickets with a clock-moving change the SLA subscriber has not taken yet (two small queries; the undone
    entries are few and on a partial index)."""
    if not ticket_ids:
        return set()
    taken = FeedReceipt.objects.filter(entry_id=OuterRef("pk"), subscriber=FEED_SUBSCRIBER)
    entries = list(
        FeedEntry.objects.filter(done_at__isnull=True, ticket_id__in=ticket_ids)
        .exclude(Exists(taken))
        .values_list("ticket_id", "event_ids")
    )
    if not entries:
        return set()
    relevant = set(
        TicketEvent.objects.filter(
            pk__in={pk for _ticket, ids in entries for pk in ids}, kind__in=RELEVANT_KINDS
        ).values_list("pk", flat=True)
    )
    return {ticket_id for ticket_id, ids in entries if relevant.intersection(ids)}


def _check(target: SlaTarget, ticket: Ticket, *, now, tenant_id, audience, steps, ran: set[int], batch: _Batch):
    history = target.history_until
    label = TargetKind(target.kind).label.lower()
    watchers = audience.for_ticket(assignee_id=ticket.assignee_id, queue_id=ticket.queue_id)

    def told(moment: datetime) -> bool:
        return history is None or moment > history

    if target.breached_at is None and target.due_at is not None and target.due_at <= now:
        target.breached_at = target.due_at
        notified = told(target.due_at)
        batch.alerts.append(_alert(target, SlaAlert.Kind.BREACH, target.due_at, notified, tenant_id))
        batch.events.append(_event(ticket, "sla_breached", target, target.due_at, f"{label} due {_iso(target.due_at)}"))
        if notified:
            batch.notices[(alerts.BREACH.key, ticket.pk)] |= watchers
    elif (
        target.breached_at is None and target.warned_at is None and target.warn_at is not None and target.warn_at <= now
    ):
        target.warned_at = target.warn_at
        notified = told(target.warn_at)
        batch.alerts.append(_alert(target, SlaAlert.Kind.WARNING, target.warn_at, notified, tenant_id))
        batch.events.append(_event(ticket, "sla_warning", target, target.warn_at, f"{label} due {_iso(target.due_at)}"))
        if notified:
            batch.notices[(alerts.WARNING.key, ticket.pk)] |= watchers

    for due in ladder.due_steps(steps, target, now=now, ran=ran):
        ran.add(due.step.pk)
        ticket = _run_step(due, target, ticket, told=told(due.at), now=now, tenant_id=tenant_id, audience=audience,
                           batch=batch)  # fmt: skip

    if target.breached_at is None:
        ahead = target.warned_at is None and target.warn_at is not None and target.warn_at < target.due_at
        target.next_check_at = target.warn_at if ahead else target.due_at
    else:
        target.next_check_at = ladder.next_step_moment(steps, target, now=now, ran=ran)
    batch.targets.append(target)
    return ticket


def _run_step(due: ladder.Due, target: SlaTarget, ticket: Ticket, *, told: bool, now, tenant_id, audience, batch):
    step = due.step
    moment = "warning" if step.trigger == step.Trigger.WARNING else "breach"
    if step.after_hours:
        moment += f" + {step.after_hours} h"
    reason = f"SLA escalation: {TargetKind(target.kind).label.lower()} {moment} (due {_iso(due.at)})"
    if not told:
        outcome = ["skipped: the moment passed in replayed history"]
    else:
        ticket, outcome = ladder.apply_step(step, ticket, reason=reason)
        people = audience.named(members=step.notify_members, teams=step.notify_teams)
        late_warning = step.trigger == step.Trigger.WARNING and target.breached_at is not None
        if people and late_warning:
            outcome.append("no one notified: the target had breached already")
        elif people:
            batch.notices[(alerts.ESCALATION.key, ticket.pk)] |= people
            outcome.append(f"notified {len(people)}")
    text = "; ".join(outcome) or "nothing to change"
    batch.runs.append(
        LadderRun(tenant_id=tenant_id, step_id=step.pk, target_id=target.pk, ticket_id=ticket.pk,
                  run_started_at=target.started_at, due_at=due.at, outcome=text[:255])
    )  # fmt: skip
    batch.events.append(_event(ticket, "sla_escalated", target, now, f"{reason}: {text}"))
    return ticket


def _alert(target: SlaTarget, kind: str, at: datetime, notified: bool, tenant_id: int) -> SlaAlert:
    return SlaAlert(tenant_id=tenant_id, target_id=target.pk, ticket_id=target.ticket_id, target_kind=target.kind,
                    kind=kind, run_started_at=target.started_at, at=at, notified=notified)  # fmt: skip


def _event(ticket: Ticket, kind: str, target: SlaTarget, at: datetime, reason: str) -> TicketEvent:
    return TicketEvent(tenant_id=ticket.tenant_id, ticket_id=ticket.pk, kind=kind, field=target.kind,
                       new_value=_iso(target.due_at), reason=reason[:255], created_at=at,
                       actor_automation=ladder.SLA.name)  # fmt: skip


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _update_targets(targets: list[SlaTarget]) -> None:
    """What the sweep recorded on each target: one UPDATE ... FROM unnest(...) on PostgreSQL (bulk_update's CASE
    per row cost a millisecond a target in Python), a statement per target elsewhere (the SQLite demo)."""
    if connection.vendor != "postgresql":
        for target in targets:
            SlaTarget.objects.filter(pk=target.pk).update(
                warned_at=target.warned_at, breached_at=target.breached_at, next_check_at=target.next_check_at
            )
        return
    table = SlaTarget._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS t SET warned_at = v.warned, breached_at = v.breached, next_check_at = v.next_check '  # noqa: S608 - our table
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[]) "
            "AS v(id, warned, breached, next_check) WHERE t.id = v.id",
            [
                [t.pk for t in targets],
                [t.warned_at for t in targets],
                [t.breached_at for t in targets],
                [t.next_check_at for t in targets],
            ],
        )


def _write(batch: _Batch, *, now: datetime, result: SweepResult) -> None:
    """The batch's writes: a handful of statements whatever its size."""
    SlaAlert.objects.bulk_create(batch.alerts, ignore_conflicts=True)
    LadderRun.objects.bulk_create(batch.runs, ignore_conflicts=True)
    if batch.events:
        for kind in {event.kind for event in batch.events}:
            event_kinds.get_kind(kind)
        TicketEvent.objects.bulk_create(batch.events)
        for event in batch.events:  # the change feed (PostgreSQL: its trigger wrote the entries; this publishes)
            event_recorded(event)
    _update_targets(batch.targets)
    notifications = alerts.notify_many([(kind, ticket_id, members) for (kind, ticket_id), members in
                                        batch.notices.items() if members], at=now)  # fmt: skip
    result.warnings += sum(alert.kind == SlaAlert.Kind.WARNING for alert in batch.alerts)
    result.breaches += sum(alert.kind == SlaAlert.Kind.BREACH for alert in batch.alerts)
    result.steps += len(batch.runs)
    result.notifications += len(notifications)
