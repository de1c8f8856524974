"""The desk's cached lists (staff, queues, teams, categories): read once, and read afresh after any change to
what they show, in this tenant only."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context, unscoped
from tenancy.models import Membership
from tests.conftest import host_client, make_member
from tickets import picklists
from tickets.models import Category, Queue, Team, TeamMembership


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured]


def _reads_lists(sql: list[str]) -> bool:
    return any('FROM "tickets_queue"' in q or 'FROM "tickets_category"' in q for q in sql)


@pytest.mark.django_db
def test_pages_read_the_lists_once_then_from_the_cache(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    for url in ("/desk/views/all/", f"/desk/tickets/{ticket.number}/"):
        cache.clear()
        first, second = _queries(client, url), _queries(client, url)
        assert _reads_lists(first)
        assert not _reads_lists(second)
        assert len(second) < len(first)


@pytest.mark.django_db
def test_a_change_to_any_listed_row_shows_on_the_next_page(tenant, agent, supervisor, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, supervisor)
    page = f"/desk/tickets/{ticket.number}/"
    client.get(page)  # the lists are now cached
    with tenant_context(tenant):
        Queue.objects.create(name="Refunds desk")
        Category.objects.create(name="Warranty claims")
        renamed = Membership.objects.select_related("user").get(pk=agent.pk).user
        renamed.full_name = "Alex Renamed"
        renamed.save()
        newcomer = make_member(tenant, "agent", "newcomer@acme.example")
    html = client.get(page).text
    assert "Refunds desk" in html and "Warranty claims" in html and "Alex Renamed" in html
    assert 'data-handle="newcomer"' in html
    # and a member who leaves disappears from the menus
    with tenant_context(tenant):
        newcomer.is_active = False
        newcomer.save(update_fields=["is_active"])
    assert 'data-handle="newcomer"' not in client.get(page).text


@pytest.mark.django_db
def test_team_changes_change_the_queues_a_limited_agent_sees(tenant, agent, desk):
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        billing = Team.objects.create(name="Billing")
        Queue.objects.create(name="Invoices", team=billing)
    client = host_client(tenant, agent)
    assert "Invoices" not in client.get("/desk/views/all/").text
    with tenant_context(tenant):
        TeamMembership.objects.create(team=billing, membership=agent)
    assert "Invoices" in client.get("/desk/views/all/").text


@pytest.mark.django_db
def test_saves_that_change_nothing_listed_keep_the_lists(tenant, agent, desk):
    with tenant_context(tenant):
        before = picklists.picklists()
        agent.availability = Membership.Availability.ONLINE
        agent.save(update_fields=["availability"])
        assert picklists.picklists() == before
        agent.user.save(update_fields=["last_login"])
        assert picklists.picklists() == before


@pytest.mark.django_db
def test_each_tenant_has_its_own_lists(tenant, other_tenant, agent, other_agent, desk):
    with tenant_context(other_tenant):
        Queue.objects.create(name="Globex only")
    with tenant_context(tenant):
        acme = picklists.picklists()
    with tenant_context(other_tenant):
        globex = picklists.picklists()
    assert [q.name for q in acme.queues] == ["General"]
    assert [q.name for q in globex.queues] == ["Globex only"]
    assert "Globex only" not in host_client(tenant, agent).get("/desk/views/all/").text
    assert {m.pk for m in globex.staff} == {other_agent.pk}


@pytest.mark.django_db(transaction=True)
def test_changes_made_outside_the_tenant_reach_its_lists(tenant, other_tenant, agent, other_agent, desk):
    # given both tenants' lists cached
    with tenant_context(tenant):
        picklists.picklists()
    with tenant_context(other_tenant):
        picklists.picklists()
    # when acme's agent is renamed from globex's scope, and a queue is added from the platform (unscoped)
    with tenant_context(other_tenant):
        user = agent.user
        user.full_name = "Renamed Elsewhere"
        user.save(update_fields=["full_name"])
    with unscoped():
        Queue.objects.create(tenant=tenant, name="Made by the platform")
    # then acme's lists show both, and globex's are untouched
    with tenant_context(tenant):
        lists = picklists.picklists()
    assert "Renamed Elsewhere" in {m.display_name for m in lists.staff}
    assert "Made by the platform" in {q.name for q in lists.queues}
    with tenant_context(other_tenant):
        assert "Made by the platform" not in {q.name for q in picklists.picklists().queues}
