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

    def as_row(self) -> dict:
        """What the decision row keeps (names copied: the words must survive a rename)."""
        return {
            "id": self.member.pk,
            "name": self.member.display_name,
            "load": self.load,
            "capacity": self.member.capacity,
            "skipped": self.skipped,
            **({"load_capped": True} if self.load_capped else {}),
        }


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
    ids = [member.pk for member in members]
    in_team = set(ids) if queue.team_id is not None else set()
    skills: dict[int, set[int]] = {}
    if required_skill_ids:
        for member_id, skill_id in MembershipSkill.objects.filter(
            membership_id__in=ids, skill_id__in=required_skill_ids
        ).values_list("membership_id", "skill_id"):
            skills.setdefault(member_id, set()).add(skill_id)
    candidates = [
        Candidate(member=member, load=None, skipped=_why_not(member, in_team, skills, required_skill_ids))
        for member in members
    ]
    counted = [candidate for candidate in candidates if candidate.eligible]
    if counted:
        limit = max(candidate.member.capacity for candidate in counted) + 1
        open_of = Ticket.objects.open().filter(assignee_id=OuterRef("pk")).order_by().values("pk")[:limit]
        loads = dict(
            Membership.objects.filter(pk__in=[c.member.pk for c in counted])
            .order_by()
            .annotate(load=CappedCount(open_of))
            .values_list("pk", "load")
        )
        for candidate in counted:
            candidate.load = loads.get(candidate.member.pk, 0)
            candidate.load_capped = candidate.load >= limit
            if candidate.load >= candidate.member.capacity:
                candidate.skipped = AT_CAPACITY
    return candidates


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
