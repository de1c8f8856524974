"""The at-risk counts while the change feed lags: a ticket closed before SLA stopped its clocks is not at risk."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reporting.dashboard import panels
from sla.models import SlaTarget
from tenancy.context import tenant_context
from tests.sla import conftest as sla_fixtures
from tests.sla.conftest import berlin
from tickets import services
from tickets.feed.dispatch import drain

RUNNING = SlaTarget.State.RUNNING
# The SLA tests' fixtures: a tenant with an office calendar and its default policy, tickets opened in the past.
office, at, opened = sla_fixtures.office, sla_fixtures.at, sla_fixtures.opened


@pytest.mark.django_db(transaction=True)  # each change in its own transaction makes its own feed entry
def test_a_ticket_resolved_before_sla_heard_of_it_leaves_the_counts(tenant, opened, at, agent, supervisor):
    # given a ticket opened long ago whose clocks SLA started from the feed: its targets are breached now
    ticket = opened(berlin(2025, 1, 6, 9))
    with tenant_context(tenant):
        drain()
        scope = panels.desk_scope(supervisor)
        before = panels.due_targets(scope, timezone.now(), tenant=tenant)
    assert before.breached >= 1 and [row.number for row in before.rows] == [ticket.number] * before.breached
    # when an agent resolves it and SLA has not taken that change yet (recorded as history: no drain is sent)
    at(berlin(2025, 1, 7, 9), services.change_status, ticket=ticket, status="resolved", actor=agent)
    with tenant_context(tenant):
        assert SlaTarget.objects.filter(ticket=ticket, state=RUNNING).count() == before.breached
        lagging = panels.due_targets(scope, timezone.now(), tenant=tenant)
        # then its targets, still running, are neither counted nor listed
        assert (lagging.breached, lagging.at_risk, lagging.rows) == (0, 0, [])
        # and once SLA has the change the clocks are stopped and the counts stay empty
        drain()
        assert not SlaTarget.objects.filter(ticket=ticket, state=RUNNING).exists()
        after = panels.due_targets(scope, timezone.now(), tenant=tenant)
    assert (after.breached, after.at_risk) == (0, 0)
