"""The ladder editor never points a step at another tenant's rows: a queue to move to, a member to reassign to or
notify, a team to notify, named by id in the form. Globex's rows exist (committed, so a lookup that escaped the
tenant scope, managers and row-level security both, would find them), and the same field with Acme's own row is
the control.

Three walls refuse them: the form's choice lists (tenant-scoped querysets), the service's ensure_same_tenant, and,
for the queue and the reassignee, the database's same-tenant foreign keys. The members and teams to notify are ids
in a list column that no foreign key checks: with the first two walls lifted, a step naming Globex's people is
stored, and these tests fail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sla import services as sla_services
from sla.models import LadderStep, always_hours
from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.sla.conftest import SETUP
from tests.sla.test_enforcement_pages import QUICK
from tests.tickets.factories import QueueFactory
from tickets.models import Team

pytestmark = pytest.mark.django_db(transaction=True)  # committed rows: see the module's docstring

STEP = {"target_kind": "resolution", "moment": "breach"}


@pytest.fixture
def ladder(tenant, admin, agent, desk, other_tenant):
    """Acme's policy and its own queue, agent and team; Globex's queue, agent and team."""
    with tenant_context(tenant):
        calendar = sla_services.create_calendar(actor=SETUP, name="24x7", time_zone="UTC", hours=always_hours())
        policy = sla_services.create_policy(actor=SETUP, name="Quick", calendar=calendar, is_default=True,
                                            targets=QUICK, warn_percent=50)  # fmt: skip
    with tenant_context(other_tenant):
        globex_team = Team.objects.create(name="Globex team")
    globex = {
        "move_to_queue": QueueFactory(tenant=other_tenant, name="Globex vault").pk,
        "reassign_to": make_member(other_tenant, Role.AGENT, "spy@globex.example").pk,
        "notify_members": make_member(other_tenant, Role.AGENT, "mole@globex.example").pk,
        "notify_teams": globex_team.pk,
    }
    acme = {
        "move_to_queue": desk["queue"].pk, "reassign_to": agent.pk, "notify_members": agent.pk,
        "notify_teams": desk["team"].pk,
    }  # fmt: skip
    return {"policy": policy, "globex": globex, "acme": acme}


def _steps(tenant) -> int:
    with tenant_context(tenant):
        return LadderStep.objects.count()


@pytest.mark.parametrize("field", ["move_to_queue", "reassign_to", "notify_members", "notify_teams"])
def test_ladder_step_refuses_another_tenants_row(tenant, admin, ladder, field):
    # given Globex's queue, members and team, which exist
    client = host_client(tenant, admin)
    url = reverse("desk:sla_ladder", args=[ladder["policy"].pk])
    # when Acme's admin adds a step naming one of them
    response = client.post(url, {**STEP, field: ladder["globex"][field]})
    # then it is refused (not a choice here), and no step is stored
    assert response.status_code == 400
    assert _steps(tenant) == 0
    # while the same field with Acme's own row adds the step
    assert client.post(url, {**STEP, field: ladder["acme"][field]}).status_code == 302
    assert _steps(tenant) == 1
