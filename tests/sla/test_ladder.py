"""The escalation ladder: each step once per ticket and target, in order after an outage, its changes through the
ticket services as the SLA automation, no re-trigger when its own change moves the deadlines, and the services'
refusals."""

from __future__ import annotations

import pytest

from sla import ladder_services
from sla.models import LadderRun
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tests.sla.conftest import SETUP, berlin
from tests.sla.test_sweep import FR_DUE, OPENED, alerts, notices, run, settle
from tickets import services
from tickets.models import Notification, Queue, Team, TeamMembership, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation(tenant, desk, office, supervisor, admin):
    """First response's ladder: at the warning notify the Escalations team; at the breach raise the priority to
    high and the tier to 1; 2 h after the breach move to the Escalations queue and reassign to the supervisor."""
    with tenant_context(tenant):
        TeamMembership.objects.create(team=desk["team"], membership=supervisor)
        team = Team.objects.create(name="Escalations")
        TeamMembership.objects.create(team=team, membership=admin)
        queue = Queue.objects.create(name="Escalations", team=team)
        policy = office["policy"]
        steps = {
            "warning": ladder_services.add_ladder_step(
                actor=SETUP, policy=policy, target_kind="first_response", trigger="warning", notify_teams=[team]
            ),
            "breach": ladder_services.add_ladder_step(
                actor=SETUP, policy=policy, target_kind="first_response", trigger="breach", raise_priority_to=3,
                raise_tier_to=1,
            ),
            "later": ladder_services.add_ladder_step(
                actor=SETUP, policy=policy, target_kind="first_response", trigger="breach", after_hours=2,
                move_to_queue=queue, reassign_to=supervisor,
            ),
        }  # fmt: skip
    return {"team": team, "queue": queue, "steps": steps}


@pytest.fixture
def ticket(tenant, opened, at, agent, escalation):
    ticket = opened(OPENED)
    at(berlin(2025, 1, 6, 9, 1), services.assign, ticket=ticket, assignee=agent, actor=agent)
    settle(tenant)
    return ticket


def runs(tenant, ticket) -> list[tuple[int, object, str]]:
    with tenant_context(tenant):
        return list(
            LadderRun.objects.filter(ticket=ticket).order_by("due_at").values_list("step_id", "due_at", "outcome")
        )


def fresh(tenant, ticket) -> Ticket:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk)


def test_ladder_runs_each_step_at_its_moment_once(tenant, ticket, escalation, admin, supervisor):
    steps = escalation["steps"]
    # when the sweep runs at 12:30 (past the warning), 13:10 (past the breach) and 15:05 (breach + 2 h), twice each
    for moment in (berlin(2025, 1, 6, 12, 30), berlin(2025, 1, 6, 13, 10), berlin(2025, 1, 6, 15, 5)):
        run(tenant, moment)
        run(tenant, moment)
        settle(tenant)  # the engine recomputes after the step's changes
    # then each step ran once, at its true moment, and said what it did
    done = runs(tenant, ticket)
    assert [(step, at) for step, at, _outcome in done] == [
        (steps["warning"].pk, berlin(2025, 1, 6, 12, 12)),
        (steps["breach"].pk, FR_DUE),
        (steps["later"].pk, berlin(2025, 1, 6, 15)),
    ]
    assert done[0][2] == "notified 1"
    assert "priority raised to High" in done[1][2] and "escalated to" in done[1][2]
    assert "moved to Escalations" in done[2][2] and "reassigned to" in done[2][2]
    # and the ticket changed through the services, by the SLA automation, with the reason
    row = fresh(tenant, ticket)
    assert (row.priority, row.escalation_level, row.queue_id, row.assignee_id) == (
        3, 1, escalation["queue"].pk, supervisor.pk,
    )  # fmt: skip
    with tenant_context(tenant):
        changes = TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").get()
        steps_told = TicketEvent.objects.filter(ticket=ticket, kind="sla_escalated").count()
        escalations = Notification.objects.filter(ticket=ticket, kind="sla_escalation")
        assert [n.recipient_id for n in escalations] == [admin.pk]
    assert changes.actor_automation == "SLA" and changes.reason.startswith("SLA escalation: first response breach")
    assert steps_told == 3


def test_ladder_after_an_outage_runs_every_missed_step_once_without_a_late_warning(tenant, ticket, escalation, admin):
    # given no sweep from Monday 09:00 until Tuesday 09:00
    # when it runs then, and again
    run(tenant, berlin(2025, 1, 7, 9))
    run(tenant, berlin(2025, 1, 7, 9, 1))
    # then all three steps ran once, in order of their moments
    steps = escalation["steps"]
    assert [step for step, _at, _outcome in runs(tenant, ticket)] == [
        steps["warning"].pk, steps["breach"].pk, steps["later"].pk,
    ]  # fmt: skip
    # but the warning step told nobody: the target had breached already
    assert runs(tenant, ticket)[0][2] == "no one notified: the target had breached already"
    with tenant_context(tenant):
        assert not Notification.objects.filter(kind__in=["sla_escalation", "sla_warning"]).exists()
    # and the breach itself was recorded once, at 13:00
    assert alerts(tenant, ticket) == [("first_response", "breach", FR_DUE)]


def test_ladder_step_raising_the_priority_fires_no_step_again(tenant, ticket, escalation):
    # given the breach step ran and raised the priority to high (the deadlines are recomputed, now earlier)
    run(tenant, berlin(2025, 1, 6, 13, 10))
    settle(tenant)
    with tenant_context(tenant):
        priority_changes = TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").count()
    # when the sweep runs again and again (the recompute put resolution's new warning and due in the past too)
    for minute in range(11, 16):
        run(tenant, berlin(2025, 1, 6, 13, minute))
        settle(tenant)
    # then no step ran twice, and the priority was raised once
    step_ids = [step for step, _at, _outcome in runs(tenant, ticket)]
    assert len(step_ids) == len(set(step_ids)) == 2
    with tenant_context(tenant):
        assert TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").count() == priority_changes == 1
    assert fresh(tenant, ticket).priority == 3


def test_ladder_step_never_lowers_what_a_person_raised(tenant, ticket, escalation, agent, at):
    # given an agent made the ticket urgent before the breach
    at(berlin(2025, 1, 6, 10), services.change_priority, ticket=ticket, priority=4, actor=agent)
    settle(tenant)
    # when the breach step (raise to high) runs
    run(tenant, berlin(2025, 1, 7, 9))
    # then the ticket stays urgent
    assert fresh(tenant, ticket).priority == 4


def test_ladder_notifies_nobody_for_replayed_history(tenant, desk, opened, at, agent, escalation):
    # given an imported ticket whose history runs past its breach + 2 h
    ticket = opened(OPENED)
    at(berlin(2025, 1, 6, 16), services.add_note, ticket=ticket, actor=agent, body="Imported")
    settle(tenant)
    # when the sweep runs after the import
    run(tenant, berlin(2025, 1, 6, 16, 5))
    # then the steps are marked as run (never to fire later) but changed and told nothing
    assert {outcome for _step, _at, outcome in runs(tenant, ticket)} == {
        "skipped: the moment passed in replayed history"
    }
    assert fresh(tenant, ticket).priority == 2
    assert notices(tenant, ticket) == []


def test_add_ladder_step_refuses_with_clear_messages(tenant, office, agent, admin, other_tenant):
    policy = office["policy"]
    with tenant_context(tenant):
        # a step that does nothing
        with pytest.raises(ServiceError, match="must do something"):
            ladder_services.add_ladder_step(actor=admin, policy=policy, target_kind="resolution", trigger="breach")
        # hours on a warning step
        with pytest.raises(ServiceError, match="hours apply to steps after the breach"):
            ladder_services.add_ladder_step(
                actor=admin, policy=policy, target_kind="resolution", trigger="warning", after_hours=2,
                raise_priority_to=4,
            )  # fmt: skip
        # a tier the tenant does not have
        with pytest.raises(ServiceError, match="escalation tiers"):
            ladder_services.add_ladder_step(
                actor=admin, policy=policy, target_kind="resolution", trigger="breach", raise_tier_to=9
            )
        # an agent is not an admin
        with pytest.raises(ServiceError, match="Only tenant admins"):
            ladder_services.add_ladder_step(
                actor=agent, policy=policy, target_kind="resolution", trigger="breach", raise_priority_to=4
            )
        # two steps at one moment
        ladder_services.add_ladder_step(
            actor=admin, policy=policy, target_kind="resolution", trigger="breach", raise_priority_to=4
        )
        with pytest.raises(ServiceError, match="at that moment already"):
            ladder_services.add_ladder_step(
                actor=admin, policy=policy, target_kind="resolution", trigger="breach", raise_priority_to=3
            )
