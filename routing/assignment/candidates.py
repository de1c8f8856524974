"""Who an assignment strategy may pick for a ticket, and why each of the others was passed over.

The pool is the queue's team (every active staff member for a queue without a team). A member of the pool is
skipped, in this order of reasons, when they:
- cannot see the ticket (the rule of tickets.selectors.visible_tickets: supervisors and admins see every queue;
  agents too unless the tenant limits agents to their teams' queues; so only a queue without a team can hide its
  tickets from members of the pool);
- are offline or away (`Membership.availability`);
- lack a skill the ticket requires (routing.TicketSkillRequirement; only the skill-based strategy asks);
- are at capacity: their load has reached `Membership.capacity`.

A member's load is every open ticket they own, in any queue: status new, open, pending or on hold (`is_open`).
Resolved, closed and spam tickets do not count; a ticket waiting on the customer (pending) or a third party (on
hold) does, since it comes back to its owner. Loads are counted only for members the other reasons leave in, and
only up to one past the largest capacity among them (`Candidate.load_capped`): beyond that a member is at
capacity whatever the exact number, and a backlog of thousands per agent is not read for every ticket routed.

`lock_candidates` reads the pool under row locks (SELECT ... FOR NO KEY UPDATE, in id order, so two workers never
deadlock) and only then counts loads: every automatic pick in the pool waits for the one before it to commit, so
two workers cannot both hand the last free slot of one agent away. NO KEY UPDATE rather than UPDATE: it does not
block the key-share locks that inserting an event or ticket pointing at the member takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef

from tenancy.models import Membership, MembershipSkill
from tenancy.roles import STAFF_ROLES
from tickets.models import Queue, TeamMembership, Ticket
from tickets.selectors import CappedCount, sees_every_queue

CANNOT_SEE = "cannot_see"
OFFLINE = "offline"
AWAY = "away"
LACKS_SKILL = "lacks_skill"
AT_CAPACITY = "at_capacity"


@dataclass
class Candidate:
    member: Membership
    load: int | None  # None when not counted (skipped for another reason than capacity)
    skipped: str = ""  # "" when the strategy may pick them, else one of the codes above
    load_capped: bool = False  # counting stopped at `load`: the member has at least that many

    @property
    def eligible(self) -> bool:
        return not self.skipped

    @property
    def load_order(self) -> tuple:
        """How least-loaded ranks the eligible: fewest open tickets first, ties by the lower id (a stable order)."""
        return (self.load, self.member.pk)

    def as_row(self) -> dict:
        """What the decision row keeps: ids and numbers, each key only when it says something (the page names the
        members when it shows the row). A row per member of the pool, so a name copied into each was most of the
        decision's size: 1,913 bytes with twelve members."""
        row = {"id": self.member.pk, "capacity": self.member.capacity}
        if self.load is not None:
            row["load"] = self.load
        if self.skipped:
            row["skipped"] = self.skipped
        if self.load_capped:
            row["load_capped"] = True
        return row


# A decision names at most this many of the members the strategy could pick (the page's sentence names six) and
# this many of those it passed over; the rest are counted by reason. A row per member of a 200-agent team would
# otherwise go into every ticket's decision, and onto its page.
KEPT_ELIGIBLE = 6
KEPT_SKIPPED = 10


def decision_rows(candidates: list[Candidate], chosen: Candidate | None, *, ranked: bool) -> tuple[list[dict], dict]:
    """The rows a decision keeps, in the order the strategy looked at the candidates, and how many more it left
    out: {"eligible": n, <skip code>: n, ...}. Kept: the chosen member, the first KEPT_ELIGIBLE who could be picked
    (by load when `ranked`, as least-loaded and skill-based rank them; else in the pool's order) and the first
    KEPT_SKIPPED passed over."""
    eligible = [candidate for candidate in candidates if candidate.eligible]
    if ranked:
        eligible.sort(key=lambda candidate: candidate.load_order)
    kept = eligible[:KEPT_ELIGIBLE]
    if chosen is not None and all(candidate is not chosen for candidate in kept):
        kept.append(chosen)
    skipped = [candidate for candidate in candidates if not candidate.eligible]
    more: dict[str, int] = {}
    if len(eligible) > len(kept):
        more["eligible"] = len(eligible) - len(kept)
    for candidate in skipped[KEPT_SKIPPED:]:
        more[candidate.skipped] = more.get(candidate.skipped, 0) + 1
    keep = {id(candidate) for candidate in kept + skipped[:KEPT_SKIPPED]}
    return [candidate.as_row() for candidate in candidates if id(candidate) in keep], more


def pool(queue: Queue):
    """The members a strategy considers for tickets of `queue`, in id order (the order of locks and turns)."""
    members = Membership.objects.filter(is_active=True, role__in=STAFF_ROLES)
    if queue.team_id is not None:
        members = members.filter(pk__in=TeamMembership.objects.filter(team_id=queue.team_id).values("membership_id"))
    return members.order_by("pk")


def lock_candidates(*, ticket: Ticket, required_skill_ids: frozenset[int] = frozenset()) -> list[Candidate]:
    """The queue's pool, locked, each with their load and, if they may not be picked, why not."""
    queue = ticket.queue
    members = list(pool(queue).select_for_update(of=("self",), no_key=True).select_related("user", "tenant"))
    if not members:
        return []
    skills = _skills([member.pk for member in members], required_skill_ids)
    return candidates_of(members, queue, skills, required_skill_ids, count=count_loads)


def candidates_of(
    members: list[Membership],
    queue: Queue,
    skills: dict[int, set[int]],
    required_skill_ids: frozenset[int],
    *,
    count: Callable[[list[int], int], dict[int, int]],
) -> list[Candidate]:
    """The candidates among the queue's locked pool `members`; `count(ids, limit)` gives the loads of those
    left in, each counted up to `limit`."""
    return with_loads(skip_reasons(members, queue, skills, required_skill_ids), count=count)


def skip_reasons(
    members: list[Membership], queue: Queue, skills: dict[int, set[int]], required_skill_ids: frozenset[int]
) -> list[tuple[Membership, str]]:
    """Each member of the queue's pool with why they may not be picked, capacity aside ("" when they may)."""
    in_team = {member.pk for member in members} if queue.team_id is not None else set()
    return [(member, _why_not(member, in_team, skills, required_skill_ids)) for member in members]


def with_loads(
    reasons: list[tuple[Membership, str]], *, count: Callable[[list[int], int], dict[int, int]]
) -> list[Candidate]:
    """The candidates of `skip_reasons`, those left in with their loads and skipped at capacity."""
    candidates = [Candidate(member=member, load=None, skipped=skipped) for member, skipped in reasons]
    counted = [candidate for candidate in candidates if candidate.eligible]
    if counted:
        limit = max(candidate.member.capacity for candidate in counted) + 1
        loads = count([c.member.pk for c in counted], limit)
        for candidate in counted:
            candidate.load = loads.get(candidate.member.pk, 0)
            candidate.load_capped = candidate.load >= limit
            if candidate.load >= candidate.member.capacity:
                candidate.skipped = AT_CAPACITY
    return candidates


def count_loads(member_ids: list[int], limit: int) -> dict[int, int]:
    """Each member's open tickets, counted up to `limit` (one query)."""
    open_of = Ticket.objects.open().filter(assignee_id=OuterRef("pk")).order_by().values("pk")[:limit]
    return dict(
        Membership.objects.filter(pk__in=member_ids)
        .order_by()
        .annotate(load=CappedCount(open_of))
        .values_list("pk", "load")
    )


def _skills(member_ids: list[int], required_skill_ids: frozenset[int]) -> dict[int, set[int]]:
    skills: dict[int, set[int]] = {}
    if required_skill_ids:
        for member_id, skill_id in MembershipSkill.objects.filter(
            membership_id__in=member_ids, skill_id__in=required_skill_ids
        ).values_list("membership_id", "skill_id"):
            skills.setdefault(member_id, set()).add(skill_id)
    return skills


class LockedPools:
    """The pools of several queues locked together (one statement, members in id order) and their members' loads
    counted once, then kept in memory as a batch assigns (`took`): while the locks are held no other automatic
    pick can change them, so each ticket sees exactly the candidates and loads `lock_candidates` would count."""

    def __init__(self, queues: list[Queue], required_skill_ids: frozenset[int] = frozenset()) -> None:
        team_ids = {queue.team_id for queue in queues}
        members = Membership.objects.filter(is_active=True, role__in=STAFF_ROLES)
        if None not in team_ids:
            members = members.filter(pk__in=TeamMembership.objects.filter(team_id__in=team_ids).values("membership_id"))
        locked = list(
            members.select_for_update(of=("self",), no_key=True).select_related("user", "tenant").order_by("pk")
        )
        in_team: dict[int, set[int]] = {}
        for team_id, member_id in TeamMembership.objects.filter(
            team_id__in=team_ids - {None}, membership_id__in=[member.pk for member in locked]
        ).values_list("team_id", "membership_id"):
            in_team.setdefault(team_id, set()).add(member_id)
        self._members = {
            queue.pk: [m for m in locked if queue.team_id is None or m.pk in in_team.get(queue.team_id, ())]
            for queue in queues
        }
        self._skills = _skills([member.pk for member in locked], required_skill_ids)
        online = [member for member in locked if member.availability == Membership.Availability.ONLINE]
        # Exact below the largest capacity + 1: each ticket's own (smaller or equal) limit then caps it.
        self._limit = max((member.capacity for member in online), default=0) + 1
        self._loads = count_loads([member.pk for member in online], self._limit) if online else {}
        self._reasons: dict[tuple, list[tuple[Membership, str]]] = {}

    def has(self, queue_id: int) -> bool:
        return queue_id in self._members

    def candidates(self, queue: Queue, required_skill_ids: frozenset[int] = frozenset()) -> list[Candidate]:
        # Who may not be picked, capacity aside, cannot change while the pools are locked: worked out once a
        # batch per queue and set of skills; only the loads move (`took`).
        key = (queue.pk, queue.team_id, required_skill_ids)
        reasons = self._reasons.get(key)
        if reasons is None:
            members = self._members.get(queue.pk, [])
            reasons = self._reasons[key] = skip_reasons(members, queue, self._skills, required_skill_ids)
        return with_loads(reasons, count=self._count)

    def _count(self, member_ids: list[int], limit: int) -> dict[int, int]:
        if limit > self._limit:
            raise ValueError(f"Loads were counted up to {self._limit}, not {limit}")
        return {pk: min(self._loads.get(pk, 0), limit) for pk in member_ids}

    def took(self, member_id: int) -> None:
        """A member of the pools was given one more open ticket."""
        self._loads[member_id] = self._loads.get(member_id, 0) + 1


def _why_not(member: Membership, in_team: set[int], skills: dict, required: frozenset[int]) -> str:
    """Why the member may not be picked, capacity aside (counted afterwards, only for those left in)."""
    if not (sees_every_queue(member) or member.pk in in_team):
        return CANNOT_SEE
    if member.availability == Membership.Availability.OFFLINE:
        return OFFLINE
    if member.availability == Membership.Availability.AWAY:
        return AWAY
    if required and not required <= skills.get(member.pk, set()):
        return LACKS_SKILL
    return ""
