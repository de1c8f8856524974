"""Reads of tickets. `visible_tickets` is the only door: every list, page, attachment, search and export
starts from it. The ticket page's reads are in tickets.selectors.ticket_page (re-exported here)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from tenancy.context import current_tenant_id
from tenancy.models import Membership
from tenancy.process_copies import ProcessCopies
from tenancy.roles import Role
from tickets.models import Contact, Queue, SatisfactionRating, SavedView, TeamMembership, Ticket, TicketParticipant

COUNT_CAP = 1000


def visible_tickets(membership: Membership) -> QuerySet[Ticket]:
    """The tickets this staff member may see: all of them for supervisors and admins, and for agents unless the
    tenant limits agents to the queues of their teams. Customers and strangers see none here."""
    if not membership or not membership.is_staff_member:
        return Ticket.objects.none()
    tickets = Ticket.objects.all()
    if sees_every_queue(membership):
        return tickets
    return tickets.filter(queue__team__in=my_team_ids(membership))


def can_open(membership: Membership, ticket_ref: str) -> Exists:
    """Whether `membership` may open the ticket whose id is the outer query's `ticket_ref`, as a subquery of
    visible_tickets (not a second rule): a list marks each row without a query of its own."""
    return Exists(visible_tickets(membership).filter(pk=OuterRef(ticket_ref)))


def sees_every_queue(membership: Membership) -> bool:
    """Supervisors and admins see every queue and its tickets; agents too, unless the tenant limits agents to
    the queues of their teams."""
    return membership.has_role(Role.SUPERVISOR) or membership.tenant.agents_see_all_tickets


def my_team_ids(membership: Membership) -> QuerySet:
    return TeamMembership.objects.filter(membership=membership).values("team_id")


def visible_queues(membership: Membership) -> QuerySet[Queue]:
    queues = Queue.objects.select_related("team").order_by("name")
    if sees_every_queue(membership):
        return queues
    return queues.filter(team__in=my_team_ids(membership))


# --- The queue views -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    slug: str
    label: str


VIEWS = (
    View("mine", "My open tickets"),
    View("unassigned", "Unassigned in my queues"),
    View("escalated", "Escalated"),
    View("all", "All tickets"),
)


def view_tickets(membership: Membership, view: str, *, in_teams: bool | None = None) -> QuerySet[Ticket]:
    """`in_teams`: whether the member belongs to a team, when known (else a query asks, for "unassigned")."""
    tickets = visible_tickets(membership)
    if view == "mine":
        return tickets.filter(assignee=membership, is_open=True)
    if view == "unassigned":
        teams = my_team_ids(membership)
        mine = tickets.filter(queue__team__in=teams) if (teams.exists() if in_teams is None else in_teams) else tickets
        return mine.filter(assignee__isnull=True, is_open=True)
    if view == "escalated":
        return tickets.escalated().filter(is_open=True)
    if view == "all":
        return tickets.not_spam()
    raise ValueError(view)


def queue_tickets(membership: Membership, queue: Queue | OuterRef) -> QuerySet[Ticket]:
    """The open tickets of a queue (or of the outer query's queue, given `OuterRef("pk")`)."""
    return visible_tickets(membership).filter(queue=queue, is_open=True)


class CappedCount(Subquery):
    """The number of rows of a (LIMITed) subquery, as a column: the database stops reading at the slice's end
    (queue counts here, an agent's load in routing's candidates)."""

    template = "(SELECT count(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


def queue_counts(membership: Membership, queues: Sequence[Queue], cap: int = COUNT_CAP) -> QuerySet:
    """(queue id, open tickets up to cap + 1) of each queue, from one correlated subquery. A subquery per queue
    cost about 0.3 ms of Python each to build and compile (sixteen queues: half the recount's CPU) and as much
    of planning; this is built once whatever the number of queues, through the same queue_tickets."""
    counted = queue_tickets(membership, OuterRef("pk")).order_by().values("pk")[: cap + 1]
    return (
        Queue.objects.filter(pk__in=[queue.pk for queue in queues])
        .order_by()
        .annotate(counted_queue=F("pk"), open_count=CappedCount(counted))
        .values_list("counted_queue", "open_count")
    )


def capped_counts(
    querysets: dict[str, QuerySet], cap: int = COUNT_CAP, *, per_queue: QuerySet | None = None
) -> dict[str, int]:
    """Count several querysets in one round trip, each stopping at cap + 1 rows (shown as "1,000+"); with
    `per_queue` (queue_counts), also each of its queues, keyed `queue-<id>`."""
    if not querysets and per_queue is None:
        return {}
    names = [*querysets, *(() if per_queue is None else (PER_QUEUE,))]
    return _run_counts(names, _count_parts(querysets, cap, per_queue))


# The name of queue_counts' part in _run_counts: its (id, count) pairs become `queue-<id>` keys.
PER_QUEUE = object()


def _count_parts(querysets: dict[str, QuerySet], cap: int, per_queue: QuerySet | None) -> list[tuple[str, list]]:
    """Each count's select-list expression and its parameters (SQL compiled by Django)."""
    parts = []
    for queryset in querysets.values():
        sql, params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append((f"(SELECT count(*) FROM ({sql}) AS capped)", list(params)))  # noqa: S608 - Django's SQL
    if per_queue is not None:
        sql, params = per_queue.query.sql_with_params()
        # (id, count) pairs as one JSON array: one statement still, whatever the number of queues.
        if connection.vendor == "postgresql":
            pairs = "json_agg(json_build_array(q.counted_queue, q.open_count))"
        else:  # SQLite, the embedded demo's database
            pairs = "json_group_array(json_array(q.counted_queue, q.open_count))"
        parts.append((f"(SELECT {pairs} FROM ({sql}) AS q)", list(params)))  # noqa: S608 - Django's SQL
    return parts


def _run_counts(names: list, parts: list[tuple[str, list]]) -> dict[str, int]:
    """One statement selecting every part; its values by name (PER_QUEUE's pairs as `queue-<id>`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(sql for sql, _ in parts)}", [p for _, params in parts for p in params])
        row = cursor.fetchone()
    counts = {}
    for name, value in zip(names, row, strict=True):
        if name is PER_QUEUE:
            pairs = json.loads(value) if isinstance(value, str) else value  # SQLite answers text
            counts.update({f"queue-{pk}": n for pk, n in pairs or ()})
        else:
            counts[name] = value
    return counts


# The compiled parts of the sidebar's fixed counts (the views and the queues), per process: building and
# compiling their querysets was 4.5 ms of the 6.8 ms of Python a recount cost, for the same statement each time.
# The key holds everything that shapes it: the tenant and the member (their ids are constants of the SQL), whether
# they see every queue, whether they belong to a team, the queues counted. The teams themselves are read by the
# statement (a subquery), never kept.
FIXED_COUNTS = ProcessCopies(512)


def _fixed_count_parts(membership: Membership, queues: Sequence[Queue], in_teams: bool):
    key = (current_tenant_id(), membership.pk, sees_every_queue(membership), in_teams, tuple(q.pk for q in queues))

    def compile_parts():
        bases = {view.slug: view_tickets(membership, view.slug, in_teams=in_teams) for view in VIEWS}
        per_queue = queue_counts(membership, queues) if queues else None
        names = [*bases, *(() if per_queue is None else (PER_QUEUE,))]
        return names, _count_parts(bases, COUNT_CAP, per_queue)

    if key[0] is None:  # outside a tenant's scope nothing is kept (the statement would not name one)
        return compile_parts()
    return FIXED_COUNTS.kept(key, compile_parts)


def sidebar_counts(
    membership: Membership,
    queues: list[Queue],
    also: dict[str, QuerySet] | None = None,
    *,
    saved_views: Sequence[SavedView] = (),
    in_teams: bool | None = None,
) -> dict:
    """Capped counts of every view, queue and saved view (keyed `saved-<id>`), and of `also` (such as the
    filtered list), in one round trip whatever the number of saved views. `in_teams`: whether the member belongs
    to a team, when the caller knows (the desk's lists do); else a query asks."""
    if in_teams is None:
        in_teams = my_team_ids(membership).exists()
    names, parts = _fixed_count_parts(membership, queues, in_teams)
    more = {}
    if saved_views:
        bases = {view.slug: view_tickets(membership, view.slug, in_teams=in_teams) for view in VIEWS}
        more.update({f"saved-{saved.pk}": saved_view_tickets(membership, saved, bases=bases) for saved in saved_views})
    more.update(also or {})
    counts = _run_counts([*names, *more], [*parts, *_count_parts(more, COUNT_CAP, None)])
    # A queue deleted since the list was read has no row: it counts nothing, as its own count would say.
    return {**{f"queue-{queue.pk}": 0 for queue in queues}, **counts}


SIDEBAR_COUNTS_SECONDS = 15


def recent_sidebar_counts(
    membership: Membership,
    queues: list[Queue],
    *,
    saved_views: Sequence[SavedView] = (),
    fresh: bool = False,
    in_teams: bool | None = None,
) -> dict:
    """The sidebar's counts, reused for a few seconds: they are a guide, and counting every view and queue
    (up to the cap each) is the largest part of a list page's database time at a million tickets. The key
    names the lists counted, so a new queue or saved view is counted at once."""
    signature = ",".join([*(str(q.pk) for q in queues), *(f"{v.pk}:{v.base}:{v.query}" for v in saved_views)])
    key = f"sidebar-counts:{membership.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:16]}"
    counts = None if fresh else cache.get(key)
    if counts is None:
        counts = sidebar_counts(membership, queues, saved_views=saved_views, in_teams=in_teams)
        cache.set(key, counts, SIDEBAR_COUNTS_SECONDS)
    return counts


# Tickets without a due time last, as PostgreSQL sorts them ascending anyway (the same plan on its indexes); the
# demo's SQLite would put every ticket without one, closed ones included, first.
SOONEST_DUE = F("next_due_at").asc(nulls_last=True)
SORTS = {
    "due": (SOONEST_DUE, "id"),
    "priority": ("-priority", SOONEST_DUE, "id"),
    "updated": ("-updated_at", "-id"),
    "created": ("-created_at", "-id"),
}


# --- Saved views -----------------------------------------------------------------------------------------------


def parse_base(base: str) -> tuple[str, int | None]:
    """("view", None) for "all", "mine", "unassigned", "escalated"; ("queue", id) for "queue:<id>";
    ValueError for anything else."""
    if base in {view.slug for view in VIEWS}:
        return "view", None
    kind, _, pk = base.partition(":")
    if kind == "queue" and pk.isdigit() and 0 < int(pk) < 2**31:
        return "queue", int(pk)
    raise ValueError(f"Unknown list {base!r}.")


def base_tickets(membership: Membership, base: str, *, bases: dict[str, QuerySet] | None = None) -> QuerySet[Ticket]:
    """The tickets of the list a saved view or a bulk action starts from. A queue is applied by id without
    loading it: visible_tickets already hides the queues this member may not see."""
    kind, pk = parse_base(base)
    if kind == "queue":
        return visible_tickets(membership).filter(queue_id=pk, is_open=True)
    if bases is not None and base in bases:
        return bases[base]
    return view_tickets(membership, base)


@functools.cache
def _stored_filter_class():
    import django_filters

    from tickets.filters import TicketFilter
    from tickets.search import Strategy

    class StoredTicketFilter(TicketFilter):
        """The queue filters with ids applied as stored rather than looked up, so counting a saved view costs
        no query of its own (an id of a row that is gone simply matches nothing)."""

        # Counted, never listed in an order: the planner's own plan, and no estimate query of its own.
        search_strategy = Strategy.PLANNER

        category = django_filters.NumberFilter(field_name="category_id")
        queue = django_filters.NumberFilter(field_name="queue_id")
        team = django_filters.NumberFilter(field_name="team_id")
        assignee = django_filters.NumberFilter(field_name="assignee_id")

    return StoredTicketFilter


def filter_tickets(tickets: QuerySet[Ticket], query: str, *, prefix: str | None = None) -> QuerySet[Ticket]:
    """Apply a stored query string of the queue filters without a query of its own (invalid: unfiltered).
    `prefix`: the tenant's ticket prefix, for a search by reference."""
    data = QueryDict(query)
    if not data:
        return tickets
    filters = _stored_filter_class()(data, queryset=tickets, prefix=prefix)
    return filters.qs if filters.form.is_valid() else tickets


def saved_view_tickets(
    membership: Membership, saved: SavedView, *, bases: dict[str, QuerySet] | None = None
) -> QuerySet[Ticket]:
    try:
        tickets = base_tickets(membership, saved.base, bases=bases)
    except ValueError:
        return Ticket.objects.none()
    return filter_tickets(tickets, saved.query, prefix=membership.tenant.ticket_prefix)


def list_saved_views(membership: Membership, lists=None) -> list[SavedView]:
    """The member's own views and those shared with a team they belong to; from the desk's lists when given
    (tickets.picklists: every saved view of the tenant and each member's teams, kept until one changes)."""
    if not membership or not membership.is_staff_member:
        return []
    if lists is not None:
        teams = lists.member_teams.get(membership.pk, frozenset())
        return [view for view in lists.saved_views if view.owner_id == membership.pk or view.team_id in teams]
    return list(
        SavedView.objects.filter(Q(owner=membership) | Q(team__in=my_team_ids(membership)))
        .select_related("team")
        .order_by("position", "name", "id")
    )


def get_saved_view(membership: Membership, pk: int) -> SavedView:
    """A view the member may open (else SavedView.DoesNotExist: a 404)."""
    if not membership or not membership.is_staff_member:
        raise SavedView.DoesNotExist
    return (
        SavedView.objects.filter(Q(owner=membership) | Q(team__in=my_team_ids(membership)))
        .select_related("team")
        .get(pk=pk)
    )


# --- The customer portal ---------------------------------------------------------------------------------------


def customer_tickets(membership: Membership) -> QuerySet[Ticket]:
    """The tickets a signed-in customer may follow: those they requested or are copied on and, for an
    organisation manager, every request of their organisation's people (never spam). The portal's only door."""
    if not membership:
        return Ticket.objects.none()
    mine = Contact.objects.filter(membership=membership)
    contacts = mine.values("pk")
    copied = TicketParticipant.objects.filter(contact__in=contacts).values("ticket_id")
    managed = mine.filter(manages_organisation=True, organisation__isnull=False).values("organisation_id")
    return Ticket.objects.filter(
        Q(contact__in=contacts) | Q(pk__in=copied) | Q(contact__organisation__in=managed)
    ).not_spam()


def customer_contact(membership: Membership) -> Contact | None:
    return Contact.objects.filter(membership=membership).first() if membership else None


def get_rating(ticket: Ticket):
    """The customer's satisfaction rating of the ticket, or None (without a query when the ticket was loaded
    for its page and is not rated)."""
    if getattr(ticket, "is_rated", True) is False:
        return None
    return SatisfactionRating.objects.filter(ticket=ticket).first()


# A list's rows and the ticket page's reads live in their own modules; imported last, as they build on the above.
from tickets.selectors.page_rows import (  # noqa: E402, F401 - re-exported: callers use tickets.selectors
    LIST_ANNOTATIONS,
    LIST_COLUMNS,
    ROW_STATEMENTS,
    list_row_values,
    list_row_values_counting,
    list_rows,
    with_list_columns,
)
from tickets.selectors.ticket_page import (  # noqa: E402, F401 - re-exported: callers use tickets.selectors
    AUTHOR_COLUMNS,
    MERGED_FROM,
    MESSAGE_COLUMNS,
    OctetLength,
    Related,
    StaffMember,
    TimelineEntry,
    contact_tickets,
    get_related,
    get_ticket,
    get_timeline,
    list_categories,
    list_participants,
    list_staff_members,
    merged_from,
    merged_source_ids,
    ticket_tags,
)
