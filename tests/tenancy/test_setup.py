"""A new tenant is a working help desk at once, its admin sees what is left to set up, and a row in use
cannot be deleted from under what uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy.context import tenant_context
from tenancy.roles import Role
from tenancy.services import create_tenant
from tenancy.setup import checklist, set_up_tenant
from tenancy.usage import InUse, refuse_if_used
from tests.conftest import host_client, make_member
from tickets.models import Category, Queue, SavedView, SupportAddress, Tag, Team, Ticket


@pytest.mark.django_db
def test_create_tenant_accepts_a_portal_request_at_once(client):
    # given a tenant made the way the create_tenant command makes it
    new = create_tenant(slug="initech", name="Initech", admin_email="boss@initech.example")
    # when a customer sends the portal form
    with tenant_context(new.tenant):
        topic = Category.objects.filter(parent=None).first()
    response = host_client(new.tenant).post(
        reverse("portal:new"),
        {"name": "Milton", "email": "milton@initech.example", "category": topic.pk, "subject": "My stapler",
         "description": "Someone took my stapler."},
    )  # fmt: skip
    # then the request is a ticket in the default queue, which the admin's team owns
    assert response.status_code == 302, response.content
    with tenant_context(new.tenant):
        ticket = Ticket.objects.get()
        assert ticket.queue.is_default and ticket.queue.team.members.filter(pk=new.admin.pk).exists()
        assert ticket.category == topic


@pytest.mark.django_db
def test_set_up_tenant_twice_changes_nothing(tenant, admin):
    # given a tenant that was set up
    set_up_tenant(tenant, admin=admin)
    with tenant_context(tenant):
        counts = (Queue.objects.count(), Team.objects.count(), Category.objects.count())
    # when setup runs again (a retried command)
    set_up_tenant(tenant, admin=admin)
    # then nothing was added
    with tenant_context(tenant):
        assert (Queue.objects.count(), Team.objects.count(), Category.objects.count()) == counts == (1, 1, 9)


@pytest.mark.django_db
def test_checklist_ticks_itself_off(tenant, admin):
    # given a new tenant
    set_up_tenant(tenant, admin=admin)
    with tenant_context(tenant):
        before = {item.key: item.done for item in checklist(tenant)}
        # when a support address is added and an agent joins
        SupportAddress.objects.create(email="help@acme.example", is_default=True)
        make_member(tenant, Role.AGENT, "agent@acme.example")
        after = {item.key: item.done for item in checklist(tenant)}
    # then those steps are done, and the others still to do
    assert before == {
        "invite_agents": False, "support_address": False, "categories": False, "business_hours": False,
        "routing_rules": False,
    }  # fmt: skip
    assert after == {
        "invite_agents": True, "support_address": True, "categories": False, "business_hours": False,
        "routing_rules": False,
    }  # fmt: skip


@pytest.mark.django_db
def test_settings_index_shows_each_role_its_sections(tenant, admin, supervisor):
    # given an admin and a supervisor of a new tenant
    set_up_tenant(tenant, admin=admin)
    # when each opens the settings
    as_admin = host_client(tenant, admin).get(reverse("desk:settings"))
    as_supervisor = host_client(tenant, supervisor).get(reverse("desk:settings"))
    # then the admin sees every section and the setup checklist; the supervisor what supervisors manage
    admin_labels = {s["label"] for _, sections in as_admin.context["groups"] for s in sections}
    supervisor_labels = {s["label"] for _, sections in as_supervisor.context["groups"] for s in sections}
    assert {"Members", "Branding", "Email", "Webhooks", "Configuration audit", "Canned responses"} <= admin_labels
    assert supervisor_labels == {"Canned responses", "Shared views", "Teams"}
    assert b"Finish setting up" in as_admin.content and b"Finish setting up" not in as_supervisor.content


@pytest.mark.django_db
def test_refuse_if_used_names_the_saved_views_and_addresses_that_use_a_row(tenant, admin):
    # given a queue a support address and a saved view use, a tag a view filters by, and an unused queue
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing")
        spare = Queue.objects.create(name="Spare")
        vip = Tag.objects.create(name="vip")
        SupportAddress.objects.create(email="billing@acme.example", queue=billing)
        SavedView.objects.create(name="Billing backlog", owner=admin, base=f"queue:{billing.pk}")
        SavedView.objects.create(name="VIPs", owner=admin, query="tag=VIP&status=open")
        # when deleting each is checked
        with pytest.raises(InUse) as queue_in_use:
            refuse_if_used(billing)
        with pytest.raises(InUse) as tag_in_use:
            refuse_if_used(vip)
        refuse_if_used(spare)
    # then the refusal names what uses it, and the unused queue passes
    assert "support address billing@acme.example" in str(queue_in_use.value)
    assert 'saved view "Billing backlog"' in str(queue_in_use.value)
    assert 'saved view "VIPs"' in str(tag_in_use.value)


@pytest.mark.django_db
def test_time_zone_page_sets_the_help_desks_zone_and_refuses_an_unknown_one(tenant, admin):
    # given an admin of a UTC help desk
    client = host_client(tenant, admin)
    # when they choose Europe/Berlin, then try a zone that does not exist
    saved = client.post(reverse("desk:tenant_time_zone"), {"timezone": "Europe/Berlin"})
    refused = client.post(reverse("desk:tenant_time_zone"), {"timezone": "Mars/Olympus_Mons"})
    # then the first is saved and the second refused with a message, the zone unchanged
    tenant.refresh_from_db()
    assert saved.status_code == 302 and tenant.timezone == "Europe/Berlin"
    assert refused.status_code == 400 and "Mars/Olympus_Mons" in refused.text
