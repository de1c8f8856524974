"""The queue page's filter controls and bulk menus, kept per process (tickets.list_controls): rendered once for
the same filters and lists, and anew as soon as what they show changes, in each tenant for itself."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.conftest import host_client, make_member
from tickets import list_controls
from tickets.models import Queue
from tickets.services import custom_fields as field_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many times each kind of control was rendered."""
    counted = {"filters": 0, "bulk": 0}
    filters, bulk = list_controls.render_filter_controls, list_controls.render_bulk_menus

    def count_filters(*args):
        counted["filters"] += 1
        return filters(*args)

    def count_bulk(*args):
        counted["bulk"] += 1
        return bulk(*args)

    monkeypatch.setattr(list_controls, "render_filter_controls", count_filters)
    monkeypatch.setattr(list_controls, "render_bulk_menus", count_bulk)
    list_controls.KEPT.clear()
    return counted


def test_the_same_filters_on_the_same_lists_are_rendered_once(tenant, agent, desk, new_ticket, renders):
    new_ticket()
    client = host_client(tenant, agent)
    url = f"/desk/queues/{desk['queue'].pk}/?status=new&sort=due"
    first, second = client.get(url).text, client.get(url).text
    assert renders == {"filters": 1, "bulk": 1}
    assert first.count('name="status" value="new" id="id_status_0" checked') == 1
    assert second.count('name="status" value="new" id="id_status_0" checked') == 1
    # other filters are other controls (the bulk menus stay: the lists did not change)
    pending = client.get(f"/desk/queues/{desk['queue'].pk}/?status=pending&status=new&sort=updated").text
    assert renders == {"filters": 2, "bulk": 1}
    assert 'name="status" value="pending" id="id_status_2" checked' in pending
    assert 'name="status" value="open" id="id_status_1">' in pending
    assert '<option value="updated" selected>Last updated</option>' in pending


def test_a_renamed_queue_and_a_new_colleague_show_in_the_next_pages_controls(tenant, agent, desk, new_ticket, renders):
    new_ticket()
    client = host_client(tenant, agent)
    url = "/desk/views/all/"
    client.get(url)
    with tenant_context(tenant):
        queue = Queue.objects.get(pk=desk["queue"].pk)
        queue.name = "Front desk"
        queue.save()
        colleague = make_member(tenant, "agent", "robin@acme.example")
        name = Membership.objects.select_related("user").get(pk=colleague.pk).display_name
    page = client.get(url).text
    assert renders == {"filters": 2, "bulk": 2}
    # the queue filter, and the bulk bar's queue menu, name it anew; both offer the colleague
    assert f'<option value="{queue.pk}">Front desk</option>' in page
    assert f'value="queue:{queue.pk}" class="menu__item">Front desk</button>' in page
    assert f'<option value="{colleague.pk}">{name}</option>' in page
    assert f'value="assign:{colleague.pk}" class="menu__item">{name}</button>' in page
    assert ">General<" not in page


def test_a_new_custom_field_gets_its_filter_and_bulk_menu_at_once(tenant, agent, admin, desk, new_ticket, renders):
    new_ticket()
    client = host_client(tenant, agent)
    client.get("/desk/views/all/")
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin, key="plan", label="Plan", type="choice", choices=[("gold", "Gold"), ("free", "Free")]
        )
    page = client.get("/desk/views/all/").text
    assert 'name="cf_plan"' in page
    assert 'value="field:plan=gold" class="menu__item">Gold</button>' in page


def test_each_tenant_sees_its_own_controls(tenant, other_tenant, agent, other_agent, desk, new_ticket, renders):
    new_ticket()
    with tenant_context(other_tenant):
        Queue.objects.create(name="Globex queue", is_default=True)
    mine = host_client(tenant, agent).get("/desk/views/all/?status=new").text
    theirs = host_client(other_tenant, other_agent).get("/desk/views/all/?status=new").text
    assert renders == {"filters": 2, "bulk": 1}  # the other tenant has no ticket, so no bulk bar
    assert ">General<" in mine and "Globex queue" not in mine
    assert "Globex queue" in theirs and ">General<" not in theirs
