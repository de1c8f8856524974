"""Reads of tickets. `visible_tickets` is the only door: every list, page, attachment, search and export
starts from it."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import QueryDict

from tenancy.db.lookups import AnyOf
from tenancy.models import Membership, Tenant, mention_handle_of
from tenancy.roles import Role
from tenancy.selectors import list_staff
from tickets.event_kinds import portal_kinds, portal_text, timeline_kinds_hidden
from tickets.models import (
    Attachment,
    Category,
    Contact,
    InboundEmail,
    Message,
    OutboundEmail,
    Queue,
    SatisfactionRating,
    SavedView,
    Tag,
    TeamMembership,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketParticipant,
    TicketTag,
)
from tickets.selectors.mail import list_ticket_mails, mails_by_message
from tickets.timeline import describe, name_lookup

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


def view_tickets(membership: Membership, view: str) -> QuerySet[Ticket]:
    tickets = visible_tickets(membership)
    if view == "mine":
        return tickets.filter(assignee=membership, is_open=True)
    if view == "unassigned":
        teams = my_team_ids(membership)
        mine = tickets.filter(queue__team__in=teams) if teams.exists() else tickets
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
    parts, params = [], []
    for queryset in querysets.values():
        sql, sub_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS capped)")  # noqa: S608 - SQL compiled by Django
        params.extend(sub_params)
    if per_queue is not None:
        sql, sub_params = per_queue.query.sql_with_params()
        # (id, count) pairs as one JSON array: one statement still, whatever the number of queues.
        if connection.vendor == "postgresql":
            pairs = "json_agg(json_build_array(q.counted_queue, q.open_count))"
        else:  # SQLite, the embedded demo's database
            pairs = "json_group_array(json_array(q.counted_queue, q.open_count))"
        parts.append(f"(SELECT {pairs} FROM ({sql}) AS q)")  # noqa: S608 - SQL compiled by Django
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    counts = dict(zip(querysets, row, strict=False))
    if per_queue is not None:
        pairs = row[-1]
        pairs = json.loads(pairs) if isinstance(pairs, str) else pairs  # SQLite answers text
        counts.update({f"queue-{pk}": n for pk, n in pairs or ()})
    return counts


def sidebar_counts(
    membership: Membership,
    queues: list[Queue],
    also: dict[str, QuerySet] | None = None,
    *,
    saved_views: Sequence[SavedView] = (),
) -> dict:
    """Capped counts of every view, queue and saved view (keyed `saved-<id>`), and of `also` (such as the
    filtered list), in one round trip whatever the number of saved views."""
    bases = {view.slug: view_tickets(membership, view.slug) for view in VIEWS}
    querysets = dict(bases)
    querysets.update({f"saved-{saved.pk}": saved_view_tickets(membership, saved, bases=bases) for saved in saved_views})
    querysets.update(also or {})
    counts = capped_counts(querysets, per_queue=queue_counts(membership, queues) if queues else None)
    # A queue deleted since the list was read has no row: it counts nothing, as its own count would say.
    return {**{f"queue-{queue.pk}": 0 for queue in queues}, **counts}


SIDEBAR_COUNTS_SECONDS = 15


def recent_sidebar_counts(
    membership: Membership, queues: list[Queue], *, saved_views: Sequence[SavedView] = (), fresh: bool = False
) -> dict:
    """The sidebar's counts, reused for a few seconds: they are a guide, and counting every view and queue
    (up to the cap each) is the largest part of a list page's database time at a million tickets. The key
    names the lists counted, so a new queue or saved view is counted at once."""
    signature = ",".join([*(str(q.pk) for q in queues), *(f"{v.pk}:{v.base}:{v.query}" for v in saved_views)])
    key = f"sidebar-counts:{membership.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:16]}"
    counts = None if fresh else cache.get(key)
    if counts is None:
        counts = sidebar_counts(membership, queues, saved_views=saved_views)
        cache.set(key, counts, SIDEBAR_COUNTS_SECONDS)
    return counts


def list_rows(ids: list[int]) -> QuerySet[Ticket]:
    """A page of a list by the ids its query found (they passed visible_tickets and the list's filters). The
    filters are not repeated: under a prepared statement's generic plan they led PostgreSQL away from the
    primary key (10 ms instead of 3 for the unassigned list)."""
    return with_list_columns(Ticket.objects.filter(pk__in=ids))


# What a list row shows (tickets.rows.queue_rows), read as dicts: model instances of five tables for fifty rows
# cost 2 ms more of Python a page than dicts of the same columns (a profile of the queue page).
LIST_COLUMNS = (
    "id", "number", "subject", "status", "priority", "channel", "escalation_level", "updated_at", "next_due_at",
    "category_id", "contact__name", "contact__email", "contact__tier", "queue__name", "assignee__user__full_name",
    "assignee__user__email", "category__name",
)  # fmt: skip


def list_row_values(ids: list[int]) -> list[dict]:
    """The rows of list_rows as dicts of LIST_COLUMNS and the apps' LIST_ANNOTATIONS (by id alone, as there)."""
    return list(_list_row_values(ids))


def _list_row_values(ids: list[int], **more) -> QuerySet:
    extra: dict = {}
    for extra_columns in LIST_ANNOTATIONS.values():
        extra.update(extra_columns())
    extra.update(more)
    # The ids as one array parameter (AnyOf): one statement text whatever the page's size, and 0.1 ms of Python
    # less to build than fifty `IN` parameters.
    return Ticket.objects.filter(AnyOf(F("id"), ids)).annotate(**extra).values(*LIST_COLUMNS, *extra)


def list_row_values_counting(ids: list[int], counted: QuerySet, cap: int = COUNT_CAP) -> tuple[list[dict], int | None]:
    """list_row_values, and `counted`'s rows up to cap + 1 from the same statement (tickets.pagination's
    load_counting): the count is an uncorrelated scalar subquery, which PostgreSQL runs once (an InitPlan) with
    the plan it would have as a statement of its own; None when no row came back to carry it."""
    loaded = list(_list_row_values(ids, list_count=CappedCount(counted.order_by().values("pk")[: cap + 1])))
    count = loaded[0]["list_count"] if loaded else None
    for row in loaded:
        del row["list_count"]
    return loaded, count


# Columns apps above tickets add to the list's one query, as {name: expression} (sla: `risk_at`, the earliest
# warning of a running SLA target, for the rows' at-risk flag); registered in their AppConfig.ready, so tickets
# imports none of them and the list keeps its query count.
LIST_ANNOTATIONS: dict[str, Callable[[], dict]] = {}


def with_list_columns(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    tickets = tickets.select_related("contact", "queue", "assignee__user", "category").only(
        "id", "tenant_id", "number", "subject", "status", "priority", "channel", "escalation_level", "is_open",
        "created_at", "updated_at", "next_due_at", "contact__name", "contact__email", "contact__tier",
        "queue__name", "assignee__user__full_name", "assignee__user__email", "category__name",
    )  # fmt: skip
    for extra_columns in LIST_ANNOTATIONS.values():
        tickets = tickets.annotate(**extra_columns())
    return tickets


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


def list_saved_views(membership: Membership) -> list[SavedView]:
    """The member's own views and those shared with a team they belong to."""
    if not membership or not membership.is_staff_member:
        return []
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


# --- The ticket page -------------------------------------------------------------------------------------------


def get_ticket(membership: Membership, number: int, *, tenant: Tenant, page: bool = False) -> Ticket:
    """The ticket with this number, if this member may see it (else Ticket.DoesNotExist: a 404).

    Only the relations the ticket page shows are joined: the planner's time and the ORM's grow fast with every
    join (eleven tables took 10 ms a page); the request's `tenant` is attached instead of joined.
    For the ticket `page`, its newest event's id and whether it has been rated, has links, tags or people copied
    come with it (subqueries on their indexes rather than more queries; most tickets have none of them)."""
    related = ["contact__organisation", "queue", "team", "assignee__user"]
    tickets = visible_tickets(membership).select_related(*related)
    if page:
        # The page shows the conversation, not the ticket's copy of it for search (kilobytes a ticket).
        tickets = tickets.defer("search_vector").annotate(
            newest_event_id=Subquery(
                TicketEvent.objects.filter(ticket=OuterRef("pk")).order_by("-id").values("id")[:1]
            ),
            is_rated=Exists(SatisfactionRating.objects.filter(ticket=OuterRef("pk"))),
            has_links=Exists(TicketLink.objects.filter(Q(source=OuterRef("pk")) | Q(target=OuterRef("pk")))),
            has_tags=Exists(TicketTag.objects.filter(ticket=OuterRef("pk"))),
            has_participants=Exists(TicketParticipant.objects.filter(ticket=OuterRef("pk"))),
        )
    ticket = tickets.get(number=number)
    ticket.tenant = tenant
    return ticket


@dataclass
class TimelineEntry:
    at: object
    message: Message | None = None
    event: TicketEvent | None = None
    text: str = ""  # what the event did, in words
    mail: OutboundEmail | None = None  # a mail to the requester that is not a reply (acknowledgement, status)
    actor_name: str = ""  # who did what an event records, in words (set by tickets.timeline.present_timeline)


def merged_source_ids(ticket: Ticket) -> list[int]:
    return list(
        TicketLink.objects.filter(target=ticket, kind=TicketLink.Kind.MERGED).values_list("source_id", flat=True)
    )


MESSAGE_COLUMNS = (
    "id", "tenant_id", "ticket_id", "kind", "author_membership_id", "author_contact_id", "channel", "body_html",
    "email_message_id", "created_at",
)  # fmt: skip
AUTHOR_COLUMNS = (
    "author_membership__id", "author_membership__tenant_id", "author_membership__user_id",
    "author_membership__role", "author_membership__is_active", "author_membership__user__id",
    "author_membership__user__email", "author_membership__user__full_name",
    "author_contact__id", "author_contact__tenant_id", "author_contact__name", "author_contact__email",
)  # fmt: skip


class OctetLength(Func):
    """A text's size in bytes; PostgreSQL reads a compressed value's size without decompressing it."""

    function = "OCTET_LENGTH"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # SQLite before 3.43 has no octet_length
        return self.as_sql(compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))", **extra)


def get_timeline(
    ticket: Ticket,
    *,
    include_internal: bool = True,
    merged_ids: list[int] | None = None,
    viewer: Membership | None = None,
    bodies: bool = True,
) -> list[TimelineEntry]:
    """Messages (with those of tickets merged into this one) and events, oldest first. The ticket page passes
    the `merged_ids` its Related panel has loaded (merged_from(get_related(ticket, viewer))).

    Without `bodies` (staff timeline only), the messages come without body_html, with its size in bytes as
    `body_size`: the ticket page takes most of them from the cache (tickets.message_fragments loads the bodies
    of the others in one query); a mail's body can be hundreds of kilobytes.

    With a staff `viewer`, other tickets the viewer may not open are not named (no reference): the messages of
    a merged ticket stay (the merge made them this ticket's conversation), marked "from a merged ticket"."""
    ticket_ids = [ticket.pk, *(merged_source_ids(ticket) if merged_ids is None else merged_ids)]
    messages = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        # Most messages have no files: attachments are looked up only for those the index says have some.
        .annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .order_by("created_at", "id")
    )
    if not include_internal:
        # The authors' names are all the portal shows of them.
        messages = (
            messages.filter(kind=Message.Kind.REPLY)
            .select_related("author_membership__user", "author_contact")
            .only(*MESSAGE_COLUMNS, *AUTHOR_COLUMNS)
        )
    else:
        # The agent's page names the authors from its staff list and the ticket's requester
        # (tickets.timeline.present_timeline): no joins.
        if bodies:
            messages = messages.only(*MESSAGE_COLUMNS)
        else:
            # octet_length reads a compressed body's size from its header, without decompressing it.
            columns = [c for c in MESSAGE_COLUMNS if c != "body_html"]
            messages = messages.only(*columns).annotate(body_size=OctetLength("body_html"))
        # The mail a message arrived as, for the agents' link to the original (a subquery on its index).
        inbound = InboundEmail.objects.filter(message=OuterRef("pk")).values("pk")[:1]
        messages = messages.annotate(inbound_email_id=Subquery(inbound))
    messages = _with_files(list(messages))
    if len(ticket_ids) > 1:
        # Messages of merged tickets name their source; the ticket rows themselves (with their search text)
        # are not loaded once per message.
        sources = visible_tickets(viewer) if viewer is not None else Ticket.objects.all()
        numbers = dict(sources.filter(pk__in=ticket_ids).values_list("pk", "number"))
        messages = [_with_source_number(m, numbers) for m in messages]
    if not include_internal:
        # Between the public messages, the few events worded for customers (tickets.event_kinds.portal_kinds).
        events = (
            TicketEvent.objects.filter(ticket=ticket, kind__in=portal_kinds())
            .select_related("actor_membership__user", "actor_contact")
            .order_by("created_at", "id")
        )
        return sorted(
            chain(
                (TimelineEntry(at=m.created_at, message=m) for m in messages),
                (TimelineEntry(at=e.created_at, event=e, text=portal_text(e)) for e in events),
            ),
            key=_timeline_order,
        )
    # Replies and notes are in the timeline as messages already (their kinds say so: tickets.event_kinds).
    events = TicketEvent.objects.filter(ticket=ticket).exclude(kind__in=timeline_kinds_hidden())
    events = list(events.order_by("created_at", "id"))
    names = name_lookup(events, visible=visible_tickets(viewer) if viewer is not None else None)
    # One query for the ticket's mail: each reply shows its own mail's fate, the other mails are entries.
    mails = list_ticket_mails(ticket_ids)
    by_message = mails_by_message(mails)
    messages = list(messages)
    for message in messages:
        message.outbound = by_message.get(message.pk)
    entries = chain(
        (TimelineEntry(at=m.created_at, message=m) for m in messages),
        (TimelineEntry(at=e.created_at, event=e, text=describe(e, names)) for e in events),
        (TimelineEntry(at=o.created_at, mail=o) for o in mails if o.message_id is None),
    )
    return sorted(entries, key=_timeline_order)


def _with_files(messages: list[Message]) -> list[Message]:
    """Each message's attachments as `files`, in one query for the messages that have any."""
    with_files = []
    for message in messages:
        if message.has_files:
            with_files.append(message)
        else:
            message.files = []  # (set only here: the prefetch skips a message that has the attribute)
    # to_attr: a plain list per message, not a related manager cloned for each one.
    prefetch_related_objects(
        with_files, Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="files")
    )
    return messages


def _with_source_number(message: Message, numbers: dict[int, int]) -> Message:
    message.source_number = numbers.get(message.ticket_id)
    return message


def _timeline_order(entry: TimelineEntry) -> tuple:
    # At the same moment: "opened the ticket" first, then the message, then what the message changed.
    if entry.event is not None:
        return (entry.at, 0 if entry.event.kind == "created" else 2, entry.event.pk)
    if entry.mail is not None:
        return (entry.at, 3, entry.mail.pk)
    return (entry.at, 1, entry.message.pk)


MERGED_FROM = "Merged from"


@dataclass
class Related:
    """The ticket page's Related panel. Tickets the viewer may not open are only counted, per label: their
    reference and subject are not the viewer's to read."""

    shown: list[tuple[str, Ticket]]  # (label, ticket) for the linked tickets the viewer may open
    hidden: list[tuple[str, int]]  # (label, how many) for the others
    merged_ids: list[int]  # every ticket merged into this one, visible or not (its messages are this ticket's)

    def __bool__(self) -> bool:
        return bool(self.shown or self.hidden)


def merged_from(related: Related) -> list[int]:
    """The ids of the tickets merged into this one, from its get_related panel."""
    return related.merged_ids


def get_related(ticket: Ticket, viewer: Membership) -> Related:
    """The tickets linked to this one (related, follow-ups, merges) in one query; whether the viewer may open
    each is a subquery of visible_tickets. No query for a ticket get_ticket(page=True) found without links:
    the two visibility subqueries cost more to build than the page's other queries."""
    if getattr(ticket, "has_links", True) is False:
        return Related(shown=[], hidden=[], merged_ids=[])
    links = TicketLink.objects.filter(source=ticket) | TicketLink.objects.filter(target=ticket)
    # Number and subject are all the panel shows: the linked tickets' other columns (their search text) stay put.
    shown = [f"{side}__{field}" for side in ("source", "target") for field in ("id", "tenant_id", "number", "subject")]
    links = (
        links.select_related("source", "target")
        .only("source_id", "target_id", "kind", *shown)
        .annotate(source_visible=can_open(viewer, "source_id"), target_visible=can_open(viewer, "target_id"))
        .order_by("created_at", "id")
    )
    related = Related(shown=[], hidden=[], merged_ids=[])
    hidden: dict[str, int] = {}
    for link in links:
        mine = link.source_id == ticket.pk
        other, visible = (link.target, link.target_visible) if mine else (link.source, link.source_visible)
        label = {
            TicketLink.Kind.RELATED: "Related",
            TicketLink.Kind.FOLLOW_UP: "Follow-up of" if mine else "Followed up by",
            TicketLink.Kind.MERGED: "Merged into" if mine else MERGED_FROM,
        }[link.kind]
        if label == MERGED_FROM:
            related.merged_ids.append(other.pk)
        if visible:
            related.shown.append((label, other))
        else:
            hidden[label] = hidden.get(label, 0) + 1
    related.hidden = list(hidden.items())
    return related


def contact_tickets(ticket: Ticket, membership: Membership, limit: int = 10) -> list[Ticket]:
    """The requester's other tickets, from every channel, newest first."""
    return list(
        visible_tickets(membership)
        .filter(contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .only("id", "tenant_id", "number", "subject", "status", "channel", "created_at")
        .order_by("-created_at")[:limit]
    )


def list_categories() -> list[Category]:
    return list(Category.objects.select_related("parent").order_by("parent_id", "position", "name"))


def ticket_tags(ticket: Ticket) -> list[Tag]:
    """The ticket's tags by name (without a query when get_ticket(page=True) found it has none)."""
    if getattr(ticket, "has_tags", True) is False:
        return []
    return list(Tag.objects.filter(tickettag__ticket=ticket).order_by("name"))


def list_participants(ticket: Ticket) -> list[Contact]:
    """The people copied on the ticket by name (without a query when get_ticket(page=True) found none)."""
    if getattr(ticket, "has_participants", True) is False:
        return []
    return list(ticket.participants.order_by("name", "email"))


@dataclass(frozen=True)
class StaffMember:
    """A colleague as the desk's pickers and @mention lists show them (no model instances: the ticket and
    queue pages list every staff member on each load)."""

    pk: int
    display_name: str
    mention_handle: str


def list_staff_members() -> list[StaffMember]:
    """Active staff of the tenant in scope, by name."""
    rows = list_staff().values_list("pk", "user__full_name", "user__email")
    return [StaffMember(pk, full_name or email, mention_handle_of(email)) for pk, full_name, email in rows]


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
