"""The demo: acme has tickets that auto-resolve and auto-close within minutes of `make demo` starting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sla import demo as sla_demo
from sla.automation import demo as automation_demo
from sla.automation.run import run_automations
from sla.models import StatusClock
from tenancy.context import tenant_context
from tenancy.demo import seed_tenants
from tickets import demo as tickets_demo
from tickets.lifecycle import Status
from tickets.models import Ticket


@pytest.mark.django_db
def test_demo_tickets_auto_resolve_and_auto_close_within_minutes():
    # given the acme demo seeded (tickets, then SLA's demo), twice: nothing is added the second time
    acme = next(d for d in seed_tenants() if d.tenant.slug == "acme")
    with tenant_context(acme.tenant):
        tickets_demo.seed(acme)
        sla_demo.seed(acme)
        sla_demo.seed(acme)
        waiting = Ticket.objects.get(subject=automation_demo.WAITING)
        resolved = Ticket.objects.get(subject=automation_demo.RESOLVED)
        # and every pending or resolved ticket has its clock at once (before the feed's sweep)
        watched = Ticket.objects.filter(status__in=[Status.PENDING, Status.RESOLVED], merged_into=None)
        assert StatusClock.objects.count() == watched.count()
        # when the job runs now, the two are not due yet
        first = run_automations()
        assert waiting.pk not in first.resolved and resolved.pk not in first.closed
        # when it runs ten minutes later (the scheduler's run after start)
        later = run_automations(now=timezone.now() + timedelta(minutes=10))
        # then the waiting one is resolved with a message and the resolved one closed
        assert waiting.pk in later.resolved and resolved.pk in later.closed
        assert Ticket.objects.get(pk=waiting.pk).status == Status.RESOLVED
        assert Ticket.objects.get(pk=resolved.pk).status == Status.CLOSED
