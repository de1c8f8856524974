"""Assignment by the queue's strategy: pick an agent under row locks, assign through tickets.services, and keep a
decision row that says why (routing.models.AssignmentDecision).

Concurrency: every automatic pick locks the queue's pool of members (routing.assignment.candidates) before it
counts loads, and a round-robin pick first locks its queue's turn row; the locks are held until the transaction
commits. Workers routing the same queue's tickets at once therefore pick one after another, each seeing the
previous pick: nobody is given more than their capacity and no turn is taken twice. Order of locks, always: the
ticket, then the round-robin turn, then members by id; nothing here locks in another order, so there is no
deadlock. Tickets of different teams do not wait for each other.

Waiting tickets (nobody fitted when they were routed) are assigned nearest due first when an agent comes online
or frees capacity (`assign_waiting_tickets`, run by the `routing.assign_waiting` outbox task).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from routing import batch
from routing.assignment import strategies
from routing.assignment.candidates import Candidate, lock_candidates
from routing.models import AssignmentDecision, RoundRobinTurn, TicketSkillRequirement
from tenancy.actors import Automation
from tenancy.models import Skill
from tenancy.outbox import on_commit_task
from tickets import clock
from tickets.models import Queue, Ticket
from tickets.services.assignment import assign, unassign
from tickets.services.common import locked

ROUTING = Automation("routing")
ASSIGN_WAITING_TASK = "routing.assign_waiting"
WAITING_BATCH = 200

# Triggers: what made assignment run (kept on the decision).
ROUTED = "routed"
AGENT_ONLINE = "agent_online"
CAPACITY_FREED = "capacity_freed"
OFFLINE_RETURN = "offline_return"


def assign_by_strategy(
    *,
    ticket: Ticket,
    trigger: str = ROUTED,
    entry_id: int | None = None,
    rule_decision_id: int | None = None,
    record_waiting: bool = True,
) -> AssignmentDecision | None:
    """Give an open, unassigned ticket an agent by its queue's strategy, and record the decision.

    Returns the decision, or None when there was nothing to decide (the ticket is closed or has an owner, or this
    feed entry was already handled: routing the same entry twice changes nothing). A manual queue, or nobody
    fitting, leaves the ticket waiting (recorded when `record_waiting`; the retries after an agent comes online
    record only what they assign, so a busy day does not bury the ticket's page in "still waiting")."""
    with locked(ticket) as ticket:  # routing's own lock when it runs inside route_ticket
        if not ticket.is_open or ticket.assignee_id is not None:
            return None
        if entry_id is not None and _decided(ticket, entry_id):
            return None
        strategy = ticket.queue.assignment_strategy
        decision = AssignmentDecision(
            ticket=ticket,
            queue=ticket.queue,
            strategy=strategy,
            trigger=trigger,
            entry_id=entry_id,
            rule_decision_id=rule_decision_id,
        )
        if strategy not in strategies.AUTOMATIC:
            decision.outcome = AssignmentDecision.Outcome.WAITING
            if record_waiting:
                decision.save()
                return decision
            return None
        chosen = _pick(ticket, strategy, decision)
        decision.chosen = chosen.member if chosen else None
        if chosen is None:
            decision.outcome = AssignmentDecision.Outcome.WAITING
            if not record_waiting:
                return None
            decision.save()
            return decision
        assign(ticket=ticket, assignee=chosen.member, actor=ROUTING, reason=strategy)
        decision.outcome = AssignmentDecision.Outcome.ASSIGNED
        decision.save()
    return decision


def _decided(ticket: Ticket, entry_id: int) -> bool:
    """Whether this feed entry's assignment was decided before (in a drain batch, read with the batch)."""
    reads = batch.current()
    if reads is not None:
        return entry_id in reads.assigned
    return AssignmentDecision.objects.filter(ticket=ticket, entry_id=entry_id).exists()


def _pick(ticket: Ticket, strategy: str, decision: AssignmentDecision) -> Candidate | None:
    required: frozenset[int] = frozenset()
    if strategy == strategies.SKILL_BASED:
        required = frozenset(TicketSkillRequirement.objects.filter(ticket=ticket).values_list("skill_id", flat=True))
        decision.details = {"skills": sorted(Skill.objects.filter(pk__in=required).values_list("name", flat=True))}
    if strategy == strategies.ROUND_ROBIN:
        turn = _lock_turn(ticket.queue)  # before the members: the order of locks
        candidates = lock_candidates(ticket=ticket)
        chosen = strategies.round_robin(candidates, last_member_id=turn.last_member_id)
        if chosen is not None:
            previous = next((c for c in candidates if c.member.pk == turn.last_member_id), None)
            if previous is not None:
                decision.details = {"after": previous.member.display_name}
            turn.last_member = chosen.member
            turn.updated_at = clock.now()
            turn.save(update_fields=["last_member", "updated_at"])
    else:
        candidates = lock_candidates(ticket=ticket, required_skill_ids=required)
        chosen = (strategies.skill_based if strategy == strategies.SKILL_BASED else strategies.least_loaded)(candidates)
    decision.candidates = [candidate.as_row() for candidate in candidates]
    return chosen


def _lock_turn(queue: Queue) -> RoundRobinTurn:
    # Insert-if-missing without a race: two first picks in a new queue both end up locking the one row.
    RoundRobinTurn.objects.bulk_create([RoundRobinTurn(queue=queue, tenant_id=queue.tenant_id)], ignore_conflicts=True)
    return RoundRobinTurn.objects.select_for_update().get(queue=queue)


def waiting_ticket_ids(*, limit: int = WAITING_BATCH) -> list[int]:
    """Open, unassigned tickets in queues with an automatic strategy, nearest due first (no deadline last)."""
    return list(
        Ticket.objects.open()
        .unassigned()
        .filter(queue__assignment_strategy__in=strategies.AUTOMATIC)
        .order_by(F("next_due_at").asc(nulls_last=True), "id")
        .values_list("pk", flat=True)[:limit]
    )


def assign_waiting_tickets(*, trigger: str, limit: int = WAITING_BATCH) -> int:
    """Assign waiting tickets, nearest due first, one transaction each; return how many got an agent.

    A ticket another worker holds is skipped (SKIP LOCKED): that worker is assigning it. Once a queue's ticket
    without skill requirements found nobody, the queue's other such tickets are not tried again in this run
    (nobody fits them either); tickets needing skills are tried one by one. Running it twice assigns nothing the
    second time that the first could have."""
    assigned = 0
    full_queues: set[int] = set()
    needs_skills = set(
        TicketSkillRequirement.objects.filter(ticket_id__in=(ids := waiting_ticket_ids(limit=limit))).values_list(
            "ticket_id", flat=True
        )
    )
    for ticket_id in ids:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=ticket_id, assignee__isnull=True, is_open=True)
                .select_related("queue")
                .first()
            )
            if ticket is None or (ticket.queue_id in full_queues and ticket_id not in needs_skills):
                continue
            decision = assign_by_strategy(ticket=ticket, trigger=trigger, record_waiting=False)
            if decision is not None and decision.outcome == AssignmentDecision.Outcome.ASSIGNED:
                assigned += 1
            elif ticket_id not in needs_skills:
                full_queues.add(ticket.queue_id)
    return assigned


def publish_assign_waiting(*, trigger: str) -> None:
    """Record the `routing.assign_waiting` task in the current transaction (sent when it commits), if any ticket
    waits at all: most capacity changes find none, and then no task is queued."""
    if waiting_ticket_ids(limit=1):
        on_commit_task(ASSIGN_WAITING_TASK, trigger=trigger)


def return_to_queue(*, ticket: Ticket, offline_minutes: int) -> AssignmentDecision | None:
    """Take an open ticket from an owner who has been offline too long; it waits in its queue (recorded)."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("queue", "assignee__user").get(pk=ticket.pk)
        )
        if not ticket.is_open or ticket.assignee_id is None:
            return None
        owner = ticket.assignee
        unassign(ticket=ticket, actor=ROUTING, reason=OFFLINE_RETURN)
        return AssignmentDecision.objects.create(
            ticket=ticket,
            queue=ticket.queue,
            strategy=ticket.queue.assignment_strategy,
            outcome=AssignmentDecision.Outcome.RETURNED,
            chosen=None,
            candidates=[
                {
                    "id": owner.pk,
                    "name": owner.display_name,
                    "load": None,
                    "capacity": owner.capacity,
                    "skipped": "offline",
                }
            ],
            details={"offline_minutes": offline_minutes},
            trigger=OFFLINE_RETURN,
        )
