"""Assignment by the queue's strategy: pick an agent under row locks, assign through tickets.services, and keep a
decision row that says why (routing.models.AssignmentDecision).

Concurrency: every automatic pick locks the queue's pool of members (routing.assignment.candidates) before it
counts loads, and a round-robin pick first locks its queue's turn row; the locks are held until the transaction
commits. Workers routing the same queue's tickets at once therefore pick one after another, each seeing the
previous pick: nobody is given more than their capacity and no turn is taken twice. Order of locks, always: the
ticket, then the round-robin turn, then members by id; nothing here locks in another order, so there is no
deadlock. Tickets of different teams do not wait for each other. A routing batch (`assigning_together`) keeps
that order too: its tickets, then its queues' turns by queue, then all its pools' members by id, in one statement
each.

Waiting tickets (nobody fitted when they were routed) are assigned nearest due first when an agent comes online
or frees capacity (`assign_waiting_tickets`, run by the `routing.assign_waiting` outbox task).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from routing import batch
from routing.assignment import strategies
from routing.assignment.candidates import Candidate, LockedPools, decision_rows, lock_candidates
from routing.models import AssignmentDecision, RoundRobinTurn, TicketSkillRequirement
from tenancy.actors import Automation
from tenancy.models import Membership, Skill
from tenancy.outbox import on_commit_task
from tickets import clock
from tickets.models import Queue, Ticket
from tickets.services.assignment import assign, assign_tickets, unassign
from tickets.services.common import locked

ROUTING = Automation("routing")
ASSIGN_WAITING_TASK = "routing.assign_waiting"
WAITING_BATCH = 200

# Triggers: what made assignment run (kept on the decision).
ROUTED = "routed"
AGENT_ONLINE = "agent_online"
CAPACITY_FREED = "capacity_freed"
OFFLINE_RETURN = "offline_return"


@dataclass
class _Together:
    """A batch's assignment state (see `assigning_together`)."""

    pools: LockedPools
    turns: dict[int, RoundRobinTurn]
    required: dict[int, frozenset[int]]
    skill_names: dict[int, str]
    decisions: list[AssignmentDecision] = field(default_factory=list)
    moved_turns: set[int] = field(default_factory=set)
    assignments: list[tuple[Ticket, Membership, str]] = field(default_factory=list)

    def covers(self, ticket: Ticket) -> bool:
        """Whether this batch locked and read what a pick for `ticket` needs (its queue may have changed since)."""
        strategy = ticket.queue.assignment_strategy
        if not self.pools.has(ticket.queue_id):
            return False
        if strategy == strategies.ROUND_ROBIN:
            return ticket.queue_id in self.turns
        return strategy != strategies.SKILL_BASED or ticket.pk in self.required


_together: ContextVar[_Together | None] = ContextVar("routing_assigning_together", default=None)


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
    together = _together.get()
    with locked(ticket) as ticket:  # routing's own lock when it runs inside route_ticket
        if not ticket.is_open or ticket.assignee_id is not None:
            return None
        if entry_id is not None and _decided(ticket, entry_id):
            return None
        strategy = ticket.queue.assignment_strategy
        decision = AssignmentDecision(
            tenant_id=ticket.tenant_id,
            ticket=ticket,
            queue=ticket.queue,
            strategy=strategy,
            trigger=trigger,
            entry_id=entry_id,
            rule_decision_id=rule_decision_id,
        )
        if strategy not in strategies.AUTOMATIC:
            decision.outcome = AssignmentDecision.Outcome.WAITING
            return _recorded(decision, together) if record_waiting else None
        covering = together if together is not None and together.covers(ticket) else None
        chosen = _pick(ticket, strategy, decision, covering)
        decision.chosen = chosen.member if chosen else None
        if chosen is None:
            decision.outcome = AssignmentDecision.Outcome.WAITING
            return _recorded(decision, together) if record_waiting else None
        if together is None:
            assign(ticket=ticket, assignee=chosen.member, actor=ROUTING, reason=strategy)
        else:
            together.assignments.append((ticket, chosen.member, strategy))  # written with the batch's others
            together.pools.took(chosen.member.pk)
        decision.outcome = AssignmentDecision.Outcome.ASSIGNED
        return _recorded(decision, together)


def _recorded(decision: AssignmentDecision, together: _Together | None) -> AssignmentDecision:
    if together is None:
        decision.save()
    else:
        together.decisions.append(decision)  # written with the batch's others
    return decision


@contextmanager
def assigning_together(tickets: list[Ticket]) -> Iterator[None]:
    """Around `assign_by_strategy` calls for a batch of `tickets` the caller holds locked (routing.route's
    route_together): the round-robin turns of their queues and then the queues' pools are locked once, in the
    order every pick locks in (turns by queue, members by id), the loads counted once and kept in memory, the
    skills read once; the decisions are written together at the end, the turns once each. The same candidates,
    loads, picks and decisions as one `assign_by_strategy` after another, in a fixed number of statements."""
    queues = {ticket.queue_id: ticket.queue for ticket in tickets}
    automatic = sorted(
        (queue for queue in queues.values() if queue.assignment_strategy in strategies.AUTOMATIC), key=lambda q: q.pk
    )
    if not automatic:
        yield
        return
    turns = _lock_turns([queue for queue in automatic if queue.assignment_strategy == strategies.ROUND_ROBIN])
    skill_based = [t.pk for t in tickets if t.queue.assignment_strategy == strategies.SKILL_BASED]
    required: dict[int, set[int]] = {ticket_id: set() for ticket_id in skill_based}
    for ticket_id, skill_id in TicketSkillRequirement.objects.filter(ticket_id__in=skill_based).values_list(
        "ticket_id", "skill_id"
    ):
        required[ticket_id].add(skill_id)
    every_skill = frozenset(skill for skills in required.values() for skill in skills)
    together = _Together(
        pools=LockedPools(automatic, every_skill),
        turns=turns,
        required={ticket_id: frozenset(skills) for ticket_id, skills in required.items()},
        skill_names=dict(Skill.objects.filter(pk__in=every_skill).values_list("pk", "name")) if every_skill else {},
    )
    token = _together.set(together)
    try:
        yield
    finally:
        _together.reset(token)
    assign_tickets(
        assignments=[(ticket, member) for ticket, member, _ in together.assignments],
        actor=ROUTING,
        reasons={ticket.pk: strategy for ticket, _, strategy in together.assignments},
    )
    AssignmentDecision.objects.bulk_create(together.decisions)
    for queue_id in sorted(together.moved_turns):
        turns[queue_id].save(update_fields=["last_member", "updated_at"])


def _decided(ticket: Ticket, entry_id: int) -> bool:
    """Whether this feed entry's assignment was decided before (in a drain batch, read with the batch)."""
    reads = batch.current()
    if reads is not None:
        return entry_id in reads.assigned
    return AssignmentDecision.objects.filter(ticket=ticket, entry_id=entry_id).exists()


def _pick(ticket: Ticket, strategy: str, decision: AssignmentDecision, together: _Together | None) -> Candidate | None:
    required: frozenset[int] = frozenset()
    if strategy == strategies.SKILL_BASED:
        if together is not None and ticket.pk in together.required:
            required = together.required[ticket.pk]
            names = [together.skill_names[pk] for pk in required if pk in together.skill_names]
        else:
            required = frozenset(
                TicketSkillRequirement.objects.filter(ticket=ticket).values_list("skill_id", flat=True)
            )
            names = list(Skill.objects.filter(pk__in=required).values_list("name", flat=True))
        decision.details = {"skills": sorted(names)}
    if strategy == strategies.ROUND_ROBIN:
        # before the members: the order of locks
        turn = together.turns[ticket.queue_id] if together is not None else _lock_turn(ticket.queue)
        candidates = together.pools.candidates(ticket.queue) if together else lock_candidates(ticket=ticket)
        chosen = strategies.round_robin(candidates, last_member_id=turn.last_member_id)
        if chosen is not None:
            previous = next((c for c in candidates if c.member.pk == turn.last_member_id), None)
            if previous is not None:
                decision.details = {"after_id": previous.member.pk}
            turn.last_member = chosen.member
            turn.updated_at = clock.now()
            if together is None:
                turn.save(update_fields=["last_member", "updated_at"])
            else:
                together.moved_turns.add(turn.queue_id)
    else:
        if together is not None:
            candidates = together.pools.candidates(ticket.queue, required)
        else:
            candidates = lock_candidates(ticket=ticket, required_skill_ids=required)
        chosen = (strategies.skill_based if strategy == strategies.SKILL_BASED else strategies.least_loaded)(candidates)
    decision.candidates, more = decision_rows(candidates, chosen, ranked=strategy != strategies.ROUND_ROBIN)
    if more:
        decision.details = {**(decision.details or {}), "more": more}
    return chosen


def _lock_turns(queues: list[Queue]) -> dict[int, RoundRobinTurn]:
    """`_lock_turn` for several queues: created if missing, locked in queue order."""
    if not queues:
        return {}
    RoundRobinTurn.objects.bulk_create(
        [RoundRobinTurn(queue=queue, tenant_id=queue.tenant_id) for queue in queues], ignore_conflicts=True
    )
    rows = RoundRobinTurn.objects.select_for_update().filter(queue__in=queues).order_by("queue_id")
    return {turn.queue_id: turn for turn in rows}


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
            candidates=[{"id": owner.pk, "capacity": owner.capacity, "skipped": "offline"}],
            details={"offline_minutes": offline_minutes},
            trigger=OFFLINE_RETURN,
        )
