"""The tickets a dashboard counts (a supervisor's desk, or an agent's own part of it) and its open tickets counted
once per request."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q, QuerySet

from tenancy.models import Membership
from tickets.models import Ticket
from tickets.picklists import picklists
from tickets.selectors import sees_every_queue, visible_tickets


@dataclass(frozen=True)
class Scope:
    """The tickets a dashboard counts: every ticket the member may see (the supervisor's desk), or an agent's own
    part of it (the queues of their teams and the tickets assigned to them)."""

    membership: Membership
    tickets: QuerySet[Ticket]
    personal: bool
    # False when `tickets` is every ticket of the tenant: the other tables need no subquery then.
    restricted: bool
    # The personal part as conditions on the ticket's own columns: implied by `tickets`, repeated on the joined
    # ticket so PostgreSQL starts from the member's tickets (the assignee index) rather than from the subquery.
    mine: Q = field(default_factory=Q)

    def on_tickets(self, path: str = "ticket") -> Q:
        """The scope as a condition on a row that points at a ticket through `path`."""
        if not self.restricted:
            return Q()
        return Q(**{f"{path}__in": self.tickets.values("pk")}) & _prefixed(self.mine, path)

    def narrowed(self, condition: Q) -> Scope:
        return Scope(self.membership, self.tickets.filter(condition), True, True, self.mine & condition)

    @cached_property
    def census(self) -> OpenCensus:
        """The open tickets counted once per request for the backlog, the unassigned and the agents' loads."""
        return open_census(self)


def _prefixed(condition: Q, path: str) -> Q:
    """`condition` on the ticket, written from a row that points at it through `path`."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = condition.connector, condition.negated
    rewritten.children = [
        _prefixed(child, path) if isinstance(child, Q) else (f"{path}__{child[0]}", child[1])
        for child in condition.children
    ]
    return rewritten


def desk_scope(membership: Membership) -> Scope:
    return Scope(membership, visible_tickets(membership), personal=False, restricted=not sees_every_queue(membership))


def personal_scope(membership: Membership) -> Scope:
    # The queues of the member's teams as ids from the picklists: a list PostgreSQL matches on the ticket's own
    # column, where a join to the queues and a subquery on the teams made it visit every open ticket's row.
    lists = picklists()
    teams = lists.member_teams.get(membership.pk, frozenset())
    mine = Q(assignee=membership) | Q(queue_id__in=[queue.pk for queue in lists.queues if queue.team_id in teams])
    return Scope(membership, visible_tickets(membership).filter(mine), personal=True, restricted=True, mine=mine)


@dataclass(frozen=True)
class OpenCensus:
    per_queue_status: dict[tuple[int, str], int]
    per_assignee: dict[int | None, int]  # None: unassigned


def open_census(scope: Scope) -> OpenCensus:
    """Open tickets per queue and status and per assignee, summed from one GROUP BY of all three: the open
    tickets' own index (reporting_ticket_open_backlog) is in that order, so PostgreSQL counts its entries as they
    come, without visiting the table or hashing (a few hundred groups; each figure's own GROUP BY read the 100,000
    open tickets again)."""
    per_queue_status: dict[tuple[int, str], int] = defaultdict(int)
    per_assignee: dict[int | None, int] = defaultdict(int)
    groups = scope.tickets.filter(is_open=True).order_by().values_list("queue_id", "status", "assignee_id")
    for queue_id, status, assignee_id, n in groups.annotate(n=Count("*")):
        per_queue_status[queue_id, status] += n
        per_assignee[assignee_id] += n
    return OpenCensus(dict(per_queue_status), dict(per_assignee))
