"""The rows every report starts from, each defined once (so a count and the ticket list behind it agree).

- A *resolution* is an audit event moving a ticket from an open status (new, open, pending, on hold) to resolved
  or closed. `Ticket.resolved_at` is not used: it is cleared on reopen and never set for open -> closed.
  A ticket's *first* resolution is its earliest such event; its *final* one its latest, if it is not open now.
- A *reopen* is a status change whose old value is resolved (to an open status). Pending -> open (the customer
  answered) is not one, whatever the event's kind says. Follow-up tickets (a reply after closing opens a new,
  linked ticket) are not reopens: they are new tickets.
- A *breach* is an SLA target met late, or still running past its due; its time is when it was met late, or
  its due while it still runs. Business-time durations are the SLA engine's stored `seconds_to_met`.
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from reporting.facts.models import TicketFacts
from reporting.reports.filters import ReportFilters
from sla.models import SlaTarget
from tickets.lifecycle import OPEN_STATUSES, Status
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

# Every kind a status change is recorded under (tickets.services.workflow / conversation); the events index
# (tenant, kind, created_at) reads exactly these.
STATUS_KINDS = ("status_changed", "reopened", "customer_replied_while_pending")
OPEN = sorted(OPEN_STATUSES)
ENDED = (Status.RESOLVED, Status.CLOSED)
RESOLUTION_Q = Q(kind__in=STATUS_KINDS, field="status", old_value__in=OPEN, new_value__in=ENDED)
REOPEN_Q = Q(kind__in=("reopened", "status_changed"), field="status", old_value=Status.RESOLVED, new_value__in=OPEN)
ESCALATION_Q = Q(kind="escalated")
FINISHED = (SlaTarget.State.MET, SlaTarget.State.BREACHED)


def in_period(f: ReportFilters, field: str, start=None, end=None) -> Q:
    return Q(**{f"{field}__gte": start or f.period.start, f"{field}__lt": end or f.period.end})


def created(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Tickets created in the period."""
    return f.tickets().filter(in_period(f, "created_at", start, end))


def resolutions(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Resolution events in the period, of the tickets the filters pick."""
    return TicketEvent.objects.filter(RESOLUTION_Q, in_period(f, "created_at", start, end), f.ticket_q("ticket__"))


def later_resolution() -> Exists:
    """The ticket of this resolution event has a later resolution."""
    return Exists(
        TicketEvent.objects.filter(RESOLUTION_Q, ticket=OuterRef("ticket"), created_at__gt=OuterRef("created_at"))
    )


def earlier_resolution() -> Exists:
    """The ticket of this resolution event has an earlier resolution."""
    return Exists(
        TicketEvent.objects.filter(RESOLUTION_Q, ticket=OuterRef("ticket"), created_at__lt=OuterRef("created_at"))
    )


def is_final_q() -> Q:
    """A resolution event is its ticket's final one: no later resolution, and the ticket is not open now (a
    reopened ticket still open has no final resolution yet)."""
    return Q(ticket__is_open=False) & ~Q(later_resolution())


def is_first_q() -> Q:
    """A resolution event is its ticket's first one: no earlier resolution."""
    return ~Q(earlier_resolution())


def final_resolutions(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Each ticket's final resolution, when it happened in the period."""
    return resolutions(f, start, end).filter(is_final_q())


def first_resolutions(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Each ticket's first resolution, when it happened in the period."""
    return resolutions(f, start, end).filter(is_first_q())


def resolved_facts(f: ReportFilters, field: str, start=None, end=None) -> QuerySet:
    """The per-ticket facts (reporting.facts) whose `field`, "first_resolved_at" or "final_resolved_at", fell in
    the period, of the tickets the filters pick: the tickets of first_resolutions() or final_resolutions(), one
    narrow row each, kept from the same events by the change feed."""
    return TicketFacts.objects.filter(in_period(f, field, start, end), f.ticket_q("ticket__"))


def finished_targets_of(kind: str, tickets: QuerySet) -> QuerySet:
    """The finished (met or late) `kind` targets of these tickets (a queryset of rows with `ticket_id`, or of
    tickets): their stored business seconds, in one pass rather than a lookup per ticket. A semi-join on the ids,
    so no row is joined to its ticket (the tickets' queryset already carries the filters)."""
    ids = tickets.values("pk" if tickets.model is Ticket else "ticket_id")
    return SlaTarget.objects.filter(ticket_id__in=ids, kind=kind, state__in=FINISHED)


def reopened_q(ticket_field: str = "ticket_id") -> Q:
    """The ticket was reopened at some time: a semi-join on the few reopen events (their partial index,
    tickets 0019), hashed once, rather than a probe per row."""
    return Q(**{f"{ticket_field}__in": TicketEvent.objects.filter(REOPEN_Q).values("ticket_id")})


def escalated_q(ticket_field: str = "pk") -> Q:
    """The ticket was escalated at least once (escalations are few: the events index by kind finds them)."""
    return Q(**{f"{ticket_field}__in": TicketEvent.objects.filter(ESCALATION_Q).values("ticket_id")})


def agent_replies(ticket_ref: str = "ticket") -> Subquery:
    """How many public replies staff sent on the ticket (first-contact resolution needs exactly one)."""
    replies = (
        Message.objects.filter(ticket=OuterRef(ticket_ref), kind=Message.Kind.REPLY, author_membership__isnull=False)
        .order_by()
        .values("ticket")
        # count(*): reporting_message_staff_reply holds no id (reporting 0008); the count reads the index only.
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(replies, output_field=IntegerField()), 0)


def first_responses(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Tickets whose first agent reply came in the period."""
    return f.tickets().filter(in_period(f, "first_response_at", start, end))


def finished_targets(f: ReportFilters, start=None, end=None) -> QuerySet:
    """SLA targets met (on time or late) in the period."""
    return SlaTarget.objects.filter(state__in=FINISHED).filter(
        in_period(f, "met_at", start, end), f.ticket_q("ticket__")
    )


def overdue_targets(f: ReportFilters, now, start=None, end=None) -> QuerySet:
    """Targets still running whose due passed in the period (and before now): breached, not yet met."""
    upper = min(end or f.period.end, now)
    return SlaTarget.objects.filter(
        state=SlaTarget.State.RUNNING, due_at__gte=start or f.period.start, due_at__lt=upper
    ).filter(f.ticket_q("ticket__"))


def ratings(f: ReportFilters, start=None, end=None) -> QuerySet:
    """Satisfaction ratings given (or last changed) in the period."""
    return SatisfactionRating.objects.filter(in_period(f, "updated_at", start, end), f.ticket_q("ticket__"))


def open_now(f: ReportFilters) -> QuerySet:
    return f.tickets().filter(is_open=True)
