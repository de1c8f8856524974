"""The clock rules on real tickets: targets, due columns and the clock log, recomputed from the history."""

from __future__ import annotations

import pytest

from sla.engine import recompute_ticket
from sla.models import ClockEvent, SlaTarget
from tenancy.context import tenant_context
from tests.sla.conftest import SETUP, berlin
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db


def targets(tenant, ticket) -> dict[str, SlaTarget]:
    with tenant_context(tenant):
        recompute_ticket(ticket_id=ticket.pk)
        return {target.kind: target for target in SlaTarget.objects.filter(ticket=ticket)}


def fresh(tenant, ticket) -> Ticket:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk)


def log(tenant, ticket) -> list[tuple[str, str]]:
    with tenant_context(tenant):
        return list(ClockEvent.objects.filter(ticket=ticket).order_by("position").values_list("target_kind", "action"))


def test_new_ticket_starts_first_response_and_resolution_in_business_time(tenant, opened):
    # given a ticket opened on Monday 09:00 (normal: 4 h to respond, 40 h to resolve, Mon-Fri 08-18)
    ticket = opened(berlin(2025, 1, 6, 9))
    # when its clocks are computed
    found = targets(tenant, ticket)
    # then first response is due 13:00 and resolution Friday 09:00 (9 + 10 + 10 + 10 + 1 hours)
    assert found["first_response"].due_at == berlin(2025, 1, 6, 13)
    assert found["resolution"].due_at == berlin(2025, 1, 10, 9)
    assert "next_update" not in found
    # and the ticket's columns carry them, the earliest as next due, without touching updated_at
    row = fresh(tenant, ticket)
    assert row.first_response_due_at == berlin(2025, 1, 6, 13)
    assert row.resolution_due_at == berlin(2025, 1, 10, 9)
    assert row.next_due_at == berlin(2025, 1, 6, 13)
    assert row.updated_at == ticket.updated_at
    # and the warning comes at 80 % of the target
    assert found["first_response"].warn_at == berlin(2025, 1, 6, 12, 12)
    assert found["first_response"].next_check_at == found["first_response"].warn_at


def test_ticket_opened_at_night_and_on_a_holiday_waits_for_opening(tenant, opened):
    # given a ticket opened on New Year's Eve 2025 at 22:00 (1 Jan is a German holiday)
    ticket = opened(berlin(2025, 12, 31, 22))
    # then first response is due on Friday 2 Jan at 12:00
    assert targets(tenant, ticket)["first_response"].due_at == berlin(2026, 1, 2, 12)


def test_staff_reply_meets_first_response_with_business_seconds(tenant, opened, at, agent):
    # given a ticket opened Monday 17:00
    ticket = opened(berlin(2025, 1, 6, 17))
    # when an agent replies on Tuesday 09:30 (1 h Monday + 1.5 h Tuesday)
    at(berlin(2025, 1, 7, 9, 30), services.reply, ticket=ticket, actor=agent, body="On it.")
    found = targets(tenant, ticket)
    # then first response is met with 2.5 business hours, and the ticket's next due is the resolution
    assert found["first_response"].state == "met"
    assert found["first_response"].seconds_to_met == 9000
    assert found["first_response"].met_at == berlin(2025, 1, 7, 9, 30)
    row = fresh(tenant, ticket)
    assert row.first_response_due_at is None
    assert row.next_due_at == row.resolution_due_at


def test_reply_exactly_at_the_deadline_meets_it_a_second_later_breaches(tenant, opened, at, agent, desk):
    # given two tickets opened Monday 09:00, first response due 13:00
    on_time, late = opened(berlin(2025, 1, 6, 9)), opened(berlin(2025, 1, 6, 9))
    # when one is answered at 13:00:00 and the other at 13:00:01
    at(berlin(2025, 1, 6, 13), services.reply, ticket=on_time, actor=agent, body="Here.")
    at(berlin(2025, 1, 6, 13, 0, 1), services.reply, ticket=late, actor=agent, body="Here.")
    # then the first is met, the second breached (met late)
    assert targets(tenant, on_time)["first_response"].state == "met"
    assert targets(tenant, late)["first_response"].state == "breached"
    assert ("first_response", "breached") in log(tenant, late)


def test_internal_note_does_not_meet_first_response(tenant, opened, at, agent):
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.add_note, ticket=ticket, actor=agent, body="Looking.")
    assert targets(tenant, ticket)["first_response"].state == "running"


def test_customer_message_starts_next_update_and_staff_reply_meets_it(tenant, opened, at, agent, desk):
    # given a ticket answered on Monday 10:00
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.reply, ticket=ticket, actor=agent, body="Try this.")
    # when the customer writes back at 16:00 and again at 17:00
    contact = desk["contact"]
    at(berlin(2025, 1, 6, 16), services.reply, ticket=ticket, actor=contact, body="No luck.")
    at(berlin(2025, 1, 6, 17), services.reply, ticket=ticket, actor=contact, body="Still nothing.")
    # then next update runs from the first unanswered message: 8 business hours, Tuesday 14:00
    found = targets(tenant, ticket)
    assert found["next_update"].due_at == berlin(2025, 1, 7, 14)
    assert fresh(tenant, ticket).next_update_due_at == berlin(2025, 1, 7, 14)
    # when an agent answers on Tuesday 09:00
    at(berlin(2025, 1, 7, 9), services.reply, ticket=ticket, actor=agent, body="Fixed now.")
    # then next update is met and no longer due
    assert targets(tenant, ticket)["next_update"].state == "met"
    assert fresh(tenant, ticket).next_update_due_at is None


def test_pending_pauses_resolution_across_the_weekend_and_resumes_with_the_time_left(tenant, opened, at, agent, desk):
    # given a ticket opened Friday 16:00 (resolution: 40 business hours)
    ticket = opened(berlin(2025, 1, 10, 16))
    # when it is set pending on Friday 17:00 (1 h used) and the customer answers on Monday 10:00
    at(berlin(2025, 1, 10, 17), services.reply, ticket=ticket, actor=agent, body="Which model?", status="pending")
    paused = targets(tenant, ticket)["resolution"]
    # then it is paused with 39 hours left and no due date
    assert paused.state == "paused"
    assert paused.remaining_seconds == 39 * 3600
    assert paused.due_at is None
    assert fresh(tenant, ticket).resolution_due_at is None
    at(berlin(2025, 1, 13, 10), services.reply, ticket=ticket, actor=desk["contact"], body="The X200.")
    # then it resumes Monday 10:00 with 39 h left: due Friday 09:00 (8 + 10 + 10 + 10 + 1)
    resumed = targets(tenant, ticket)["resolution"]
    assert resumed.state == "running"
    assert resumed.due_at == berlin(2025, 1, 17, 9)
    assert [line for line in log(tenant, ticket) if line[0] == "resolution"] == [
        ("resolution", "started"),
        ("resolution", "paused"),
        ("resolution", "resumed"),
    ]


def test_on_hold_pauses_only_when_the_policy_says_so(tenant, opened, at, agent, office):
    from sla import services as sla_services

    # given a ticket on hold since Monday 10:00 under a policy that does not pause on hold
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.change_status, ticket=ticket, status=Status.ON_HOLD, actor=agent)
    assert targets(tenant, ticket)["resolution"].state == "running"
    # when a new ticket does the same under the policy's next version, which pauses on hold
    with tenant_context(tenant):
        sla_services.update_policy(actor=SETUP, policy=office["policy"], pause_on_hold=True)
    second = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.change_status, ticket=second, status=Status.ON_HOLD, actor=agent)
    # then that one pauses, and the first keeps the version it started with
    assert targets(tenant, second)["resolution"].state == "paused"
    assert targets(tenant, ticket)["resolution"].state == "running"
    assert targets(tenant, ticket)["resolution"].policy_version == 1


def test_priority_change_mid_flight_recomputes_from_the_original_start(tenant, opened, at, agent):
    # given a normal ticket opened Monday 09:00 (first response due 13:00)
    ticket = opened(berlin(2025, 1, 6, 9))
    # when it becomes urgent at 11:00 (1 h to respond, 8 h to resolve)
    at(berlin(2025, 1, 6, 11), services.change_priority, ticket=ticket, priority=Priority.URGENT, actor=agent)
    found = targets(tenant, ticket)
    # then the deadlines count from 09:00: first response was due at 10:00 (overdue at once), resolution at 17:00
    assert found["first_response"].due_at == berlin(2025, 1, 6, 10)
    assert found["resolution"].due_at == berlin(2025, 1, 6, 17)
    assert found["first_response"].started_at == berlin(2025, 1, 6, 9)
    with tenant_context(tenant):
        change = ClockEvent.objects.get(ticket=ticket, target_kind="first_response", action="due_changed")
    assert change.reason == "priority normal → urgent"
    assert change.due_at == berlin(2025, 1, 6, 10)


def test_priority_lowered_while_paused_changes_the_time_left(tenant, opened, at, agent):
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 11), services.change_status, ticket=ticket, status=Status.PENDING, actor=agent)
    at(berlin(2025, 1, 6, 12), services.change_priority, ticket=ticket, priority=Priority.LOW, actor=agent)
    # 2 h used of the low priority's 80 h
    assert targets(tenant, ticket)["resolution"].remaining_seconds == 78 * 3600


def test_resolving_meets_resolution_and_reopening_resumes_it_with_a_next_update(tenant, opened, at, agent, desk):
    # given a ticket answered and resolved on Monday (09:00 -> 11:00: 2 h of 40 used)
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 11), services.reply, ticket=ticket, actor=agent, body="Done.", status="resolved")
    found = targets(tenant, ticket)
    assert found["resolution"].state == "met"
    assert found["resolution"].seconds_to_met == 2 * 3600
    assert fresh(tenant, ticket).next_due_at is None
    # when the customer reopens it on Wednesday 08:00
    at(berlin(2025, 1, 8, 8), services.reply, ticket=ticket, actor=desk["contact"], body="It is back.")
    found = targets(tenant, ticket)
    # then resolution runs again with 38 h left (Wed 8-18, Thu, Fri, Mon 08-16), a next update runs from 08:00,
    # and first response stays met
    assert found["resolution"].state == "running"
    assert found["resolution"].due_at == berlin(2025, 1, 13, 16)
    assert found["next_update"].state == "running"
    assert found["next_update"].due_at == berlin(2025, 1, 8, 16)
    assert found["first_response"].state == "met"
    assert fresh(tenant, ticket).next_due_at == berlin(2025, 1, 8, 16)


def test_spam_cancels_every_clock(tenant, opened, at, agent):
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 9, 5), services.change_status, ticket=ticket, status=Status.SPAM, actor=agent)
    found = targets(tenant, ticket)
    assert {target.state for target in found.values()} == {"cancelled"}
    assert fresh(tenant, ticket).next_due_at is None


def test_merge_cancels_the_sources_targets_not_the_targets(tenant, opened, at, agent):
    # given two open tickets
    source, target = opened(berlin(2025, 1, 6, 9)), opened(berlin(2025, 1, 6, 9, 30))
    # when the first is merged into the second at 10:00
    at(berlin(2025, 1, 6, 10), services.merge, source=source, target=target, actor=agent)
    # then the source's clocks are cancelled, neither met nor breached, and the target's run on
    assert {t.state for t in targets(tenant, source).values()} == {"cancelled"}
    assert fresh(tenant, source).next_due_at is None
    assert {t.state for t in targets(tenant, target).values()} == {"running"}


def test_vip_contacts_get_the_vip_policy(tenant, opened, office, desk):
    from sla import services as sla_services

    # given a VIP policy for VIP contacts with a 30-minute first response
    with tenant_context(tenant):
        sla_services.create_policy(
            actor=SETUP,
            name="VIP",
            calendar=office["calendar"],
            targets={"2": {"first_response": {"seconds": 1800, "business": True}}},
            conditions={"tiers": ["vip"]},
        )
    vip = ContactFactory(tenant=tenant, tier="vip")
    # when a VIP and a standard contact open tickets
    vip_ticket = opened(berlin(2025, 1, 6, 9), contact=vip)
    standard_ticket = opened(berlin(2025, 1, 6, 9))
    # then the VIP's first response is due in 30 minutes, with no resolution target (the VIP policy has none)
    vip_targets = targets(tenant, vip_ticket)
    assert vip_targets["first_response"].due_at == berlin(2025, 1, 6, 9, 30)
    assert "resolution" not in vip_targets
    assert targets(tenant, standard_ticket)["first_response"].due_at == berlin(2025, 1, 6, 13)


def test_recompute_is_idempotent(tenant, opened, at, agent, django_assert_max_num_queries):
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 11), services.change_priority, ticket=ticket, priority=Priority.HIGH, actor=agent)
    first = targets(tenant, ticket)
    lines = log(tenant, ticket)
    # when recomputed again, nothing is written
    with tenant_context(tenant), django_assert_max_num_queries(10) as captured:
        recompute_ticket(ticket_id=ticket.pk)
    assert not [q for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert targets(tenant, ticket) == first
    assert log(tenant, ticket) == lines


def test_tenant_without_policies_gets_no_targets(tenant, desk):
    with tenant_context(tenant):
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Hi", body="Hi")
        recompute_ticket(ticket_id=ticket.pk)
        assert not SlaTarget.objects.filter(ticket=ticket).exists()
        assert Ticket.objects.get(pk=ticket.pk).next_due_at is None
