"""The tenant decides whether agents have a dashboard of their own figures; supervisors and admins always do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy.context import tenant_context
from tenancy.models import ConfigChange, Tenant
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

DASHBOARD = "/desk/dashboard/"
SETTINGS = "/desk/settings/agent-visibility/"


def _figures(tenant, allowed: bool) -> None:
    # saved, not QuerySet.update: the hosts' process copies are renewed by the save (tenancy.hosts)
    row = Tenant.objects.get(pk=tenant.pk)
    row.agents_see_own_figures = allowed
    row.save(update_fields=["agents_see_own_figures"])


@pytest.mark.parametrize("panel", ["my_load", "my_due", "my_backlog"])
def test_an_agent_is_refused_their_dashboard_and_its_panels_when_the_tenant_turned_figures_off(tenant, agent, panel):
    # given a tenant that shows figures to supervisors only
    _figures(tenant, False)
    client = host_client(tenant, agent)
    # when an agent opens the dashboard or one of its personal panels (which exist for agents)
    page, fragment = client.get(DASHBOARD), client.get(reverse("desk:dashboard_panel", args=[panel]))
    # then both are refused, saying why
    assert (page.status_code, fragment.status_code) == (403, 403)
    assert "supervisors and admins only" in page.content.decode()


def test_an_agent_has_the_dashboard_in_the_menu_only_when_the_tenant_allows(tenant, agent):
    client = host_client(tenant, agent)
    link = f'href="{DASHBOARD}"'
    # given the default (agents have their own figures)
    assert link in client.get("/desk/").content.decode()
    assert client.get(DASHBOARD).status_code == 200
    # when the tenant turns them off
    _figures(tenant, False)
    # then the menu no longer offers the dashboard
    assert link not in client.get("/desk/").content.decode()


def test_a_supervisor_keeps_the_dashboard_whatever_the_setting(tenant, supervisor):
    _figures(tenant, False)
    client = host_client(tenant, supervisor)
    assert f'href="{DASHBOARD}"' in client.get("/desk/").content.decode()
    assert client.get(DASHBOARD).status_code == 200


def test_an_admin_sets_what_agents_see_in_the_browser_and_the_change_is_audited(tenant, admin):
    client = host_client(tenant, admin)
    # when the admin turns off both settings from the settings page (unticked boxes are not sent)
    response = client.post(SETTINGS, {})
    # then they are stored, and the audit says what changed
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.agents_see_all_tickets, tenant.agents_see_own_figures) == (False, False)
    with tenant_context(tenant):
        change = ConfigChange.objects.get(area="tenancy.visibility")
    assert change.before == {"agents_see_all_tickets": True, "agents_see_own_figures": True}
    assert change.after == {"agents_see_all_tickets": False, "agents_see_own_figures": False}
    # and the page shows the saved state
    html = client.get(SETTINGS).content.decode()
    assert "Agents have their own dashboard" in html and "checked" not in html


@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_only_admins_change_what_agents_see(tenant, role, request):
    member = request.getfixturevalue(role)
    response = host_client(tenant, member).post(SETTINGS, {"see_own_figures": "on"})
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.agents_see_all_tickets is True
