"""The status clocks' subscriber (sla.automation) refreshes a drain batch's tickets together: one locking read and
one DELETE for the tickets in no watched status, each watched ticket's clock as refresh_clock writes it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import StatusClock
from tenancy.context import tenant_context
from tickets import services
from tickets.feed.dispatch import drain
from tickets.lifecycle import Status

pytestmark = pytest.mark.django_db


def test_a_drain_batch_refreshes_every_tickets_clock_with_one_delete(tenant, agent, new_ticket):
    # given four tickets whose changes wait in the feed: two new (one with a clock row left over, as a ticket that
    # stopped being pending has until its change is handed over), one now pending, one resolved
    fresh, _other, waiting, done = (new_ticket(subject=s) for s in ("New", "Also new", "Waiting", "Done"))
    with tenant_context(tenant):
        StatusClock.objects.create(ticket=fresh, status=StatusClock.Watched.PENDING, since=fresh.created_at)
        services.change_status(ticket=waiting, status=Status.PENDING, actor=agent)
        services.change_status(ticket=done, status=Status.RESOLVED, actor=agent)
        # when one drain hands all their changes over
        with CaptureQueriesContext(connection) as queries:
            drain()
        # then only the pending and the resolved ticket have a clock, each since its status changed
        clocks = {clock.ticket_id: clock for clock in StatusClock.objects.all()}
        assert set(clocks) == {waiting.pk, done.pk}
        assert clocks[waiting.pk].status == StatusClock.Watched.PENDING
        done.refresh_from_db()
        assert (clocks[done.pk].status, clocks[done.pk].since) == (StatusClock.Watched.RESOLVED, done.resolved_at)
    # and the rows of the tickets in no watched status went in one statement, not one per change
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "sla_statusclock"')]
    assert len(deletes) == 1
