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
from tickets.models import Category, Queue, Team, TeamMembership, Ticket


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


@pytest.mark.django_db
def test_what_pages_make_of_the_lists_is_made_once_per_version(tenant, agent, desk):
    # given the tenant's lists and something a page makes of them (the ticket page's menus)
    made = []

    def make():
        made.append(1)
        return [m.display_name for m in lists.staff]

    with tenant_context(tenant):
        lists = picklists.picklists()
        # when two views ask for it under the same version
        first, second = lists.derived("names", make), picklists.picklists().derived("names", make)
        # then it is made once and shared
        assert first is second and len(made) == 1
        # when a listed name changes
        user = Membership.objects.select_related("user").get(pk=agent.pk).user
        user.full_name = "Alex Renamed"
        user.save()
        lists = picklists.picklists()
        # then the next view makes it afresh, with the new name
        assert "Alex Renamed" in lists.derived("names", make) and len(made) == 2


@pytest.mark.django_db
def test_derived_values_stay_out_of_the_shared_cache(tenant, desk):
    import pickle

    with tenant_context(tenant):
        lists = picklists.picklists()
        lists.derived("names", lambda: ["made here"])
        # what one process made is not written for the others (they make their own from their copy)
        assert "_derived" not in pickle.loads(pickle.dumps(lists)).__dict__  # noqa: S301 - our own bytes


@pytest.mark.django_db
def test_ticket_page_menus_follow_the_viewer_and_the_ticket(tenant, agent, supervisor, desk, new_ticket):
    # given a queue only one team sees, agents limited to their teams' queues, and an archived category
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        billing = Team.objects.create(name="Billing")
        Queue.objects.create(name="Invoices", team=billing)
        old = Category.objects.create(name="Old warranty")
    filed, other = new_ticket(category=old), new_ticket()
    with tenant_context(tenant):
        old.is_active = False
        old.save()
    boss = host_client(tenant, supervisor)
    # when the supervisor views both tickets (the lists' menus made once), then each shows its own choices
    assert "Old warranty" in boss.get(f"/desk/tickets/{filed.number}/").text
    html = boss.get(f"/desk/tickets/{other.number}/").text
    assert "Old warranty" not in html and "Invoices" in html
    # and an agent outside Billing, under the same version of the lists, has a menu of their own
    with tenant_context(tenant):
        Ticket.objects.filter(pk=other.pk).update(queue=Queue.objects.get(is_default=True))
    html = host_client(tenant, agent).get(f"/desk/tickets/{other.number}/").text
    assert "Invoices" not in html
