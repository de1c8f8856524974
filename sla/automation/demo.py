"""Demo data for auto-resolve and auto-close (called by sla.demo.seed, before SLA recomputes the deadlines).

acme gets two tickets that fall due a few minutes after seeding: one waiting for the customer since just under
the auto-resolve delay, one resolved just under the auto-close delay ago. The embedded scheduler runs the job
every two minutes, so in `make demo` they visibly turn resolved and closed shortly after start (older demo
tickets pending or resolved long ago are handled on the first run). Every ticket's status clock is written here
too, so the first run does not wait for the change feed's sweep to hand the replayed history over.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sla.automation.clocks import refresh_clocks
from sla.automation.rules import current_rules
from tickets import clock, services
from tickets.lifecycle import Status
from tickets.models import Ticket

WAITING = "Headset crackles on calls (auto-resolves in a few minutes)"
RESOLVED = "Export to CSV times out (auto-closes in a few minutes)"


def seed(demo) -> None:
    if demo.tenant.slug == "acme" and not Ticket.objects.filter(subject__in=(WAITING, RESOLVED)).exists():
        _due_soon(demo)
    refresh_clocks(ticket_ids=list(Ticket.objects.order_by("pk").values_list("pk", flat=True)))


def _due_soon(demo) -> None:
    rules = current_rules(demo.tenant)
    agent = demo.people["agent"]
    contact = services.get_or_create_contact(email="noor.haddad@example.com", name="Noor Haddad")
    now = timezone.now()
    if rules.resolve_days is not None:
        pending_at = now - timedelta(days=rules.resolve_days) + timedelta(minutes=3)
        with clock.replaying(pending_at - timedelta(hours=2)):
            ticket = services.create_ticket(
                actor=contact, contact=contact, subject=WAITING,
                body="My headset crackles on every call since yesterday. Is it the headset or the app?",
            )  # fmt: skip
        with clock.replaying(pending_at):
            services.reply(
                ticket=ticket, actor=agent, status=Status.PENDING,
                body="Could you try another USB port and tell us whether the crackle stays?",
            )  # fmt: skip
    if rules.close_days is not None:
        resolved_at = now - timedelta(days=rules.close_days) + timedelta(minutes=5)
        with clock.replaying(resolved_at - timedelta(hours=3)):
            ticket = services.create_ticket(
                actor=contact, contact=contact, subject=RESOLVED,
                body="Exporting last quarter's tickets to CSV times out after a minute.",
            )  # fmt: skip
        with clock.replaying(resolved_at):
            services.reply(
                ticket=ticket, actor=agent, status=Status.RESOLVED,
                body="We raised the export limit for your account; the export now finishes in about 20 seconds.",
            )  # fmt: skip
