"""The auto-resolve and auto-close job, per tenant.

Candidates come from one indexed, set-based scan of sla.models.StatusClock (tenant, status, since) per rule.
Each candidate is then handled in its own transaction that locks the ticket row and re-checks the rule on the
ticket itself: a customer's reply takes the same row lock (tickets.services.conversation), so one that
committed while the job ran is seen here (the ticket is open again, or its last customer activity is recent)
and wins, and one that arrives after waits for this transaction and then reopens the ticket (within the reopen
window, which auto-close never cuts). Changes go through the ticket services as a named automation; a ticket
already changed is skipped, so running the job twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from sla.automation.clocks import pending_since, refresh_clock
from sla.automation.rules import current_rules
from sla.models import StatusClock
from tenancy.actors import Automation
from tenancy.context import require_tenant_id
from tenancy.models import Tenant
from tickets import clock
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services.common import lock
from tickets.services.conversation import post_automated_reply
from tickets.services.field_values import missing_for_resolution
from tickets.services.updates import update_ticket

AUTO_RESOLVE = Automation("auto-resolve")
AUTO_CLOSE = Automation("auto-close")
BATCH_SIZE = 200
MAX_BATCHES = 25  # at most 5,000 tickets per rule and run; the next run goes on
RETRY_BLOCKED = timedelta(hours=6)  # a ticket blocked by required fields is looked at again after this


@dataclass
class RunResult:
    resolved: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # candidates the re-check under the lock turned down


def run_automations(*, now: datetime | None = None) -> RunResult:
    """Auto-resolve and auto-close the current tenant's due tickets (call it inside tenant_context)."""
    now = now or clock.now()
    tenant = Tenant.objects.get(pk=require_tenant_id())
    rules = current_rules(tenant)
    result = RunResult()
    if rules.resolve_days is not None:
        cutoff = now - timedelta(days=rules.resolve_days)
        for ticket_id in _candidates(StatusClock.Watched.PENDING, cutoff, now):
            _tally(result, ticket_id, auto_resolve(ticket_id=ticket_id, cutoff=cutoff, message=rules.message))
    if rules.close_days is not None:
        cutoff = now - timedelta(days=rules.close_days)
        for ticket_id in _candidates(StatusClock.Watched.RESOLVED, cutoff, now):
            _tally(result, ticket_id, auto_close(ticket_id=ticket_id, cutoff=cutoff))
    return result


def _candidates(status: str, cutoff: datetime, now: datetime):
    """Ticket ids due under one rule, oldest first, in batches: every handled ticket leaves the set (its clock
    is refreshed or deferred in its own transaction), so each batch reads from the front of the index."""
    seen: set[int] = set()
    for _batch in range(MAX_BATCHES):
        ids = list(
            StatusClock.objects.filter(status=status, since__lt=cutoff)
            .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
            .exclude(ticket_id__in=seen)
            .order_by("since", "ticket_id")
            .values_list("ticket_id", flat=True)[:BATCH_SIZE]
        )
        fresh = [ticket_id for ticket_id in ids if ticket_id not in seen]
        if not fresh:
            return
        seen.update(fresh)
        yield from fresh
        if len(ids) < BATCH_SIZE:
            return


def _tally(result: RunResult, ticket_id: int, outcome: str) -> None:
    getattr(result, outcome).append(ticket_id)


def auto_resolve(*, ticket_id: int, cutoff: datetime, message: str) -> str:
    """Resolve one pending ticket with no customer reply since `cutoff`, telling the customer; "resolved",
    "blocked" (required fields are empty: the ticket records why) or "skipped"."""
    with transaction.atomic():
        ticket = lock(ticket_id)
        if not _still_pending_since(ticket, cutoff):
            refresh_clock(ticket)
            return "skipped"
        if missing_for_resolution(ticket):
            # The status service records "resolution_blocked" on the ticket (once until something else happens)
            # and leaves the status alone; no message goes to the customer.
            update_ticket(ticket=ticket, changes={"status": Status.RESOLVED}, actor=AUTO_RESOLVE)
            StatusClock.objects.filter(ticket=ticket).update(retry_after=clock.now() + RETRY_BLOCKED)
            return "blocked"
        days = (clock.now() - pending_since(ticket)).days
        post_automated_reply(ticket=ticket, actor=AUTO_RESOLVE, body=message)
        ticket = update_ticket(
            ticket=ticket,
            changes={"status": Status.RESOLVED},
            actor=AUTO_RESOLVE,
            reason=f"no reply from the customer for {days} days",
        )
        refresh_clock(ticket)
    return "resolved"


def auto_close(*, ticket_id: int, cutoff: datetime) -> str:
    """Close one ticket resolved before `cutoff` (the reopen window has passed); "closed" or "skipped"."""
    with transaction.atomic():
        ticket = lock(ticket_id)
        if not _still_resolved_since(ticket, cutoff):
            refresh_clock(ticket)
            return "skipped"
        ticket = update_ticket(
            ticket=ticket, changes={"status": Status.CLOSED}, actor=AUTO_CLOSE, reason="the reopen window has passed"
        )
        refresh_clock(ticket)
    return "closed"


def _still_pending_since(ticket: Ticket, cutoff: datetime) -> bool:
    """Re-checked under the row lock: pending, since before the cutoff, and no customer word since then."""
    if ticket.status != Status.PENDING or ticket.merged_into_id:
        return False
    if _customer_spoke_after(ticket, cutoff):
        return False
    return pending_since(ticket) < cutoff


def _still_resolved_since(ticket: Ticket, cutoff: datetime) -> bool:
    if ticket.status != Status.RESOLVED or ticket.merged_into_id or ticket.resolved_at is None:
        return False
    return ticket.resolved_at < cutoff and not _customer_spoke_after(ticket, ticket.resolved_at)


def _customer_spoke_after(ticket: Ticket, moment: datetime) -> bool:
    last = ticket.last_customer_activity_at
    return last is not None and last >= moment
