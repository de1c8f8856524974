"""A small help desk whose report figures are known by hand (tests/reporting/test_reports_metrics.py).

Berlin time, the SLA "Office" calendar Mon-Fri 08-18 (tests/sla/conftest.py), normal priority: 4 business
hours to a first response, 40 to resolution. Built through the services at past moments (clock.replaying),
so events, SLA targets and timestamps are the real ones.

  T1  Fri 10 Jan 17:00 opened; assigned to Bea, then to Ali; Ali replies Mon 13 Jan 09:00 (business 2 h:
      Fri 17-18 + Mon 08-09; calendar 64 h); resolved Mon 10:00. Rated 5 "Great help".
  T2  Mon 13 Jan 09:00 opened; assigned to Ali; reply 10:00; resolved 11:00; the customer answers Tue 14 Jan
      10:00 (a reopen); resolved again Tue 12:00.
  T3  Mon 13 Jan 09:00 opened; assigned to Bea; reply 09:30 setting pending; Bea sets it open at 11:00 (pending
      -> open: not a reopen, though recorded under the kind "reopened"); second reply and resolved 12:00. Rated 2.
  T4  Mon 13 Jan 09:00 opened; merged into T3 at 10:00: left out of every figure.
  T5  Mon 13 Jan 09:00 opened in General; moved to Billing 10:00; escalated 10:30; never answered (its first
      response target, due Mon 13:00, is overdue: a breach).
"""

from __future__ import annotations

import pytest

from sla.engine import recompute_ticket
from tenancy.context import tenant_context
from tests.conftest import make_member
from tests.sla.conftest import SETUP, at, berlin, office, opened  # noqa: F401 - fixtures
from tests.tickets.factories import EscalationTierFactory, QueueFactory
from tickets import services
from tickets.feed.dispatch import drain
from tickets.lifecycle import Status
from tickets.services.satisfaction import rate_ticket


@pytest.fixture
def berlin_tenant(tenant):
    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    return tenant


@pytest.fixture
def known(berlin_tenant, desk, office, at, opened, agent):  # noqa: F811
    tenant = berlin_tenant
    ali = agent
    bea = make_member(tenant, "agent", "bea@acme.example")
    contact = desk["contact"]
    with tenant_context(tenant):
        billing = QueueFactory(tenant=tenant, name="Billing", team=desk["team"])
        EscalationTierFactory(tenant=tenant, level=1)

    t1 = opened(berlin(2025, 1, 10, 17))
    at(berlin(2025, 1, 10, 17, 5), services.assign, ticket=t1, assignee=bea, actor=SETUP)
    at(berlin(2025, 1, 13, 8, 30), services.assign, ticket=t1, assignee=ali, actor=SETUP)
    at(berlin(2025, 1, 13, 9), services.reply, ticket=t1, actor=ali, body="Fixed.")
    at(berlin(2025, 1, 13, 10), services.change_status, ticket=t1, status=Status.RESOLVED, actor=ali)

    t2 = opened(berlin(2025, 1, 13, 9))
    at(berlin(2025, 1, 13, 9, 1), services.assign, ticket=t2, assignee=ali, actor=SETUP)
    at(berlin(2025, 1, 13, 10), services.reply, ticket=t2, actor=ali, body="Try this.")
    at(berlin(2025, 1, 13, 11), services.change_status, ticket=t2, status=Status.RESOLVED, actor=ali)
    at(berlin(2025, 1, 14, 10), services.reply, ticket=t2, actor=contact, body="Still broken.")
    at(berlin(2025, 1, 14, 12), services.change_status, ticket=t2, status=Status.RESOLVED, actor=ali)

    t3 = opened(berlin(2025, 1, 13, 9))
    at(berlin(2025, 1, 13, 9, 1), services.assign, ticket=t3, assignee=bea, actor=SETUP)
    at(berlin(2025, 1, 13, 9, 30), services.reply, ticket=t3, actor=bea, body="Which model?", status=Status.PENDING)
    at(berlin(2025, 1, 13, 11), services.change_status, ticket=t3, status=Status.OPEN, actor=bea)
    at(berlin(2025, 1, 13, 12), services.reply, ticket=t3, actor=bea, body="Done.", status=Status.RESOLVED)

    t4 = opened(berlin(2025, 1, 13, 9))
    at(berlin(2025, 1, 13, 10), services.merge, source=t4, target=t3, actor=bea)

    t5 = opened(berlin(2025, 1, 13, 9))
    at(berlin(2025, 1, 13, 10), services.move_to_queue, ticket=t5, queue=billing, actor=SETUP)
    at(berlin(2025, 1, 13, 10, 30), services.escalate, ticket=t5, level=1, actor=ali)

    at(berlin(2025, 1, 13, 15), rate_ticket, ticket=t1, contact=contact, score=5, comment="Great help")
    at(berlin(2025, 1, 13, 15), rate_ticket, ticket=t3, contact=contact, score=2)

    with tenant_context(tenant):
        for ticket in (t1, t2, t3, t4, t5):
            recompute_ticket(ticket_id=ticket.pk)
        drain()  # what the worker does with the change feed: the reports' per-ticket facts among it
    return {"tenant": tenant, "t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "ali": ali, "bea": bea,
            "billing": billing, "queue": desk["queue"]}  # fmt: skip
