"""Demo data (found by seed_demo after tickets' demo): acme works EMEA business hours with German holidays and
has a Standard and a VIP policy; every demo ticket's targets are then computed by the engine from its history.

The tickets' history is replayed (tickets.clock.replaying), so its feed entries wait for the periodic sweep; this
module does not wait: it recomputes every ticket from its events at the end of seeding (sla.engine.recompute_tickets,
the same code the subscriber runs), so the queue shows real due times at once. When the sweep later hands the
replayed entries to the subscriber, the recompute finds nothing to change.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from sla import ladder_services, services
from sla.automation import demo as automation_demo
from sla.engine import recompute_tickets
from sla.models import Calendar, LadderStep, SlaPolicy
from sla.tenant_hooks import setup_tenant
from tenancy.actors import Automation
from tickets.models import Contact, Ticket

DEMO = Automation("demo")
EMEA = "EMEA business hours"
OFFICE_HOURS = [[[480, 1080]]] * 5 + [[], []]  # Mon-Fri 08:00-18:00
HOUR = 3600

# (first response, next update, resolution) in business hours per priority (low, normal, high, urgent).
STANDARD = {1: (8, 16, 80), 2: (4, 8, 40), 3: (2, 4, 16), 4: (1, 2, 8)}
VIP = {1: (4, 8, 40), 2: (2, 4, 16), 3: (1, 2, 8), 4: (0.5, 1, 4)}


def targets(table: dict) -> dict:
    kinds = ("first_response", "next_update", "resolution")
    return {
        str(priority): {
            kind: {"seconds": int(hours * HOUR), "business": True} for kind, hours in zip(kinds, row, strict=True)
        }
        for priority, row in table.items()
    }


def seed(demo) -> None:
    if demo.tenant.slug == "acme":
        _acme()
    else:
        setup_tenant(demo.tenant, admin=None)  # a 24x7 calendar and a default policy
    _ladders()
    automation_demo.seed(demo)  # auto-resolve and auto-close: tickets due minutes from now, every status clock
    # The whole demo history was replayed up to now: the sweep records the deadlines it passed but tells nobody;
    # those that pass from now on are warned of, breached and escalated live (sla.sweep).
    recompute_tickets(
        ticket_ids=list(Ticket.objects.order_by("pk").values_list("pk", flat=True)), history_until=timezone.now()
    )


def _ladders() -> None:
    """Escalation ladders on every policy: a first response that breaches goes to high priority; a resolution
    that breaches is escalated to the first tier, and four hours later to the second."""
    for policy in SlaPolicy.objects.all():
        if LadderStep.objects.filter(policy=policy).exists():
            continue
        ladder_services.add_ladder_step(
            actor=DEMO, policy=policy, target_kind="first_response", trigger="breach", raise_priority_to=3
        )
        ladder_services.add_ladder_step(
            actor=DEMO, policy=policy, target_kind="resolution", trigger="breach", raise_tier_to=1
        )
        ladder_services.add_ladder_step(
            actor=DEMO, policy=policy, target_kind="resolution", trigger="breach", after_hours=4, raise_tier_to=2
        )


def _acme() -> None:
    calendar = Calendar.objects.filter(name=EMEA).first()
    if calendar is None:
        calendar = services.create_calendar(
            actor=DEMO, name=EMEA, time_zone="Europe/Berlin", hours=OFFICE_HOURS, holiday_country="DE",
            holiday_subdivision="BE",
        )  # fmt: skip
        for day, name, recurring in (
            (date(2000, 12, 24), "Christmas Eve", True),
            (date(2000, 12, 31), "New Year's Eve", True),
            (date(2026, 6, 5), "Company offsite", False),
        ):
            services.add_holiday(actor=DEMO, calendar=calendar, day=day, name=name, recurring=recurring)
    if not SlaPolicy.objects.filter(name="Standard").exists():
        services.create_policy(
            actor=DEMO, name="Standard", calendar=calendar, targets=targets(STANDARD), is_default=True,
            warn_percent=80, pause_on_hold=True,
        )  # fmt: skip
    if not SlaPolicy.objects.filter(name="VIP").exists():
        services.create_policy(
            actor=DEMO, name="VIP", calendar=calendar, targets=targets(VIP), position=0,
            conditions={"tiers": [Contact.Tier.VIP]}, warn_percent=75, pause_on_hold=True,
        )  # fmt: skip
