"""The policy book cached per tenant and marker: the subscriber skips its three reads when nothing changed, and an
edit (a version bump, a new default, a holiday) is seen by the very next computation."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import services as sla_services
from sla.feed import handle_change
from sla.models import SlaPolicy, SlaTarget
from sla.policies import MARKER_SQL, PolicyBook
from tenancy.context import tenant_context
from tests.sla.conftest import SETUP, berlin
from tests.sla.factories import STANDARD_TARGETS
from tickets.feed.dispatch import changes_of
from tickets.models import FeedEntry

# The subscriber's statements for a new ticket's entry: lock the ticket (with the book's marker), its events, its
# targets, insert the targets, write the due columns, its clock log, insert the clock log. Before: 12 (the same seven,
# three reads of the book, and a savepoint pair of its own inside the one the feed gives each delivery).
STATEMENTS_PER_NEW_TICKET = 7


def _handle_new_ticket(opened, moment):
    ticket = opened(moment)
    (change,) = changes_of(list(FeedEntry.objects.filter(ticket=ticket)))
    handle_change(change)
    return ticket


def _due(ticket, kind="resolution"):
    return SlaTarget.objects.get(ticket=ticket, kind=kind).due_at


@pytest.mark.django_db
def test_handle_change_for_a_new_ticket_makes_a_fixed_number_of_statements(tenant, opened):
    with tenant_context(tenant):
        # given the book was loaded once (by an earlier ticket)
        _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        ticket = opened(berlin(2025, 1, 7, 9))
        (change,) = changes_of(list(FeedEntry.objects.filter(ticket=ticket)))
        # when the subscriber handles the next new ticket's entry
        with CaptureQueriesContext(connection) as captured:
            handle_change(change)
        # then it made its fixed statements and read no policy, calendar or holiday
        sql = [query["sql"] for query in captured.captured_queries]
        assert len(sql) == STATEMENTS_PER_NEW_TICKET, "\n".join(sql)
        assert not [s for s in sql if s.startswith('SELECT "sla_slapolicy"') or s.startswith('SELECT "sla_calendar')]
        assert SlaTarget.objects.filter(ticket=ticket).count() == 2


@pytest.mark.django_db
def test_handle_change_sees_a_policy_edit_at_once(tenant, opened, office):
    with tenant_context(tenant):
        # given the book is cached with 40 business hours to resolution at normal priority
        first = _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        assert _due(first) == berlin(2025, 1, 10, 9)
        # when the policy is edited to 20 hours
        targets = {
            **STANDARD_TARGETS,
            "2": {**STANDARD_TARGETS["2"], "resolution": {"seconds": 72000, "business": True}},
        }
        sla_services.update_policy(actor=SETUP, policy=office["policy"], targets=targets)
        # then the very next ticket gets the new version's deadline
        second = _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        assert _due(second) == berlin(2025, 1, 8, 9)
        assert SlaTarget.objects.get(ticket=second, kind="resolution").policy_version == 2


@pytest.mark.django_db
def test_handle_change_sees_a_new_holiday_at_once(tenant, opened, office):
    with tenant_context(tenant):
        # given the book and the calendar are cached
        first = _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        assert _due(first, "first_response") == berlin(2025, 1, 6, 13)
        # when the tenant closes that Monday
        sla_services.add_holiday(actor=SETUP, calendar=office["calendar"], day=date(2025, 1, 6), name="Closed")
        # then the next ticket opened that Monday is due four business hours into Tuesday
        second = _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        assert _due(second, "first_response") == berlin(2025, 1, 7, 12)


@pytest.mark.django_db
def test_handle_change_sees_a_new_policy_at_once(tenant, opened, office):
    with tenant_context(tenant):
        # given the book is cached with only "Standard"
        _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        # when a policy for web tickets is added
        fast = {p: {k: {"seconds": 3600, "business": True} for k in v} for p, v in STANDARD_TARGETS.items()}
        policy = sla_services.create_policy(
            actor=SETUP, name="Web", calendar=office["calendar"], targets=fast, conditions={"channels": ["web"]}
        )
        # then the next (web) ticket runs against it
        second = _handle_new_ticket(opened, berlin(2025, 1, 6, 9))
        target = SlaTarget.objects.get(ticket=second, kind="first_response")
        assert (target.policy_id, target.due_at) == (policy.pk, berlin(2025, 1, 6, 10))


@pytest.mark.django_db
def test_policy_book_marker_in_sql_equals_the_loaded_books_and_follows_the_default_flag(tenant, office):
    with tenant_context(tenant):
        # given the marker of a book with one default policy
        before = _sql_marker()
        assert before == PolicyBook.load().marker()
        # when the policy loses its default flag by a bulk update (as create_policy does to the old default; no bump)
        SlaPolicy.objects.filter(pk=office["policy"].pk).update(is_default=False)
        # then the marker changed, and SQL and a freshly loaded book still agree
        after = _sql_marker()
        assert after != before
        assert after == PolicyBook.load().marker()


def _sql_marker() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {MARKER_SQL}")
        return cursor.fetchone()[0]
