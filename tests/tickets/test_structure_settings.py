"""Settings → Categories, Queues, Teams, Tags: validation messages, refused deletes naming what uses the row,
merges that move tickets with one audit row, the team-membership rule for supervisors, and list pages whose
query count does not grow with their rows."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange
from tenancy.roles import Role
from tenancy.setup import checklist, set_up_tenant
from tests.conftest import count_queries, host_client, make_member
from tests.tickets.factories import (
    CategoryFactory,
    QueueFactory,
    SavedViewFactory,
    SupportAddressFactory,
    TagFactory,
    TeamFactory,
    TeamMembershipFactory,
    TicketTagFactory,
)
from tickets import services
from tickets.models import Category, EscalationTier, PortalSettings, Priority, Queue, Tag, Team, TeamMembership, Ticket
from tickets.services import categories, queues, tag_settings, teams

pytestmark = pytest.mark.django_db


def _changes(tenant, area: str) -> list[ConfigChange]:
    with tenant_context(tenant):
        return list(ConfigChange.objects.filter(area=area).order_by("id"))


# --- Categories ------------------------------------------------------------------------------------------------------


def test_category_page_refuses_a_duplicate_name_with_a_message(tenant, admin):
    # given a top-level category "Billing"
    CategoryFactory(tenant=tenant, name="Billing")
    # when an admin adds "billing" at the top level again
    response = host_client(tenant, admin).post("/desk/settings/categories/", {"name": " billing ", "is_public": "on"})
    # then the page says so and nothing is added or audited
    assert response.status_code == 400
    assert "There is already a category “billing” at the top level." in response.text
    with tenant_context(tenant):
        assert Category.objects.count() == 1
    assert _changes(tenant, "tickets.categories") == []


def test_create_category_refuses_a_third_level(tenant, admin):
    # given a category and its subcategory
    parent = CategoryFactory(tenant=tenant, name="Billing")
    child = CategoryFactory(tenant=tenant, name="Refunds", parent=parent)
    # when an admin adds a category under the subcategory
    with tenant_context(tenant), pytest.raises(ServiceError, match="two levels"):
        categories.create_category(actor=admin, name="Late refunds", parent=child)


def test_category_page_adds_a_subcategory_last_in_its_list(tenant, admin):
    # given a category with one subcategory
    parent = CategoryFactory(tenant=tenant, name="Billing")
    CategoryFactory(tenant=tenant, name="Invoices", parent=parent, position=4)
    # when an admin adds a subcategory through the page
    response = host_client(tenant, admin).post(
        "/desk/settings/categories/", {"name": "Refunds", "parent": parent.pk, "is_public": ""}
    )
    # then it comes after the other, hidden from the portal, and the audit says who added it
    assert response.status_code == 302
    with tenant_context(tenant):
        added = Category.objects.get(name="Refunds")
    assert (added.parent_id, added.position, added.is_public) == (parent.pk, 5, False)
    [change] = _changes(tenant, "tickets.categories")
    assert (change.action, change.actor_membership_id, change.after["name"]) == ("created", admin.pk, "Refunds")


def test_rename_category_keeps_the_tickets_history_and_audits_both_names(tenant, admin, agent, new_ticket):
    # given a ticket an agent filed under "Billing"
    billing = CategoryFactory(tenant=tenant, name="Billing")
    ticket = new_ticket()
    with tenant_context(tenant):
        services.categorise(ticket=ticket, category=billing, actor=agent)
        # when an admin renames the category
        categories.update_category(
            actor=admin, category=billing, name="Invoices and payments", is_public=True, position=0, parent=None
        )
    # then the ticket's history names it by its new name, and the audit keeps the old and the new
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    assert "Invoices and payments" in page
    [change] = _changes(tenant, "tickets.categories")
    assert (change.before, change.after) == ({"name": "Billing"}, {"name": "Invoices and payments"})


def test_delete_category_refused_while_tickets_are_filed_under_it(tenant, admin, agent, new_ticket):
    # given a category two tickets are filed under
    billing = CategoryFactory(tenant=tenant, name="Billing")
    for _ in range(2):
        with tenant_context(tenant):
            services.categorise(ticket=new_ticket(), category=billing, actor=agent)
    # when an admin deletes it from its page
    client = host_client(tenant, admin)
    response = client.post(f"/desk/settings/categories/{billing.pk}/delete/", follow=True)
    # then it stays, and the page offers archiving or merging instead
    assert "2 tickets are filed under “Billing”: archive it, or merge it into another category." in response.text
    with tenant_context(tenant):
        assert Category.objects.filter(pk=billing.pk).exists()


def test_delete_category_refused_naming_the_saved_view_that_uses_it(tenant, admin):
    # given a saved view filtering on a category no ticket uses
    billing = CategoryFactory(tenant=tenant, name="Billing")
    SavedViewFactory(tenant=tenant, owner=admin, team=None, name="Billing backlog", query=f"category={billing.pk}")
    # when an admin deletes the category
    response = host_client(tenant, admin).post(f"/desk/settings/categories/{billing.pk}/delete/", follow=True)
    # then the refusal names the saved view, and nothing is deleted or audited
    assert "&quot;Billing&quot; is in use by saved view &quot;Billing backlog&quot;" in response.text
    with tenant_context(tenant):
        assert Category.objects.filter(pk=billing.pk).exists()
    assert _changes(tenant, "tickets.categories") == []


def test_delete_category_without_uses_goes_and_is_audited(tenant, admin):
    # given an unused category
    spare = CategoryFactory(tenant=tenant, name="Spare")
    # when an admin deletes it
    response = host_client(tenant, admin).post(f"/desk/settings/categories/{spare.pk}/delete/")
    # then it is gone, the admin is back on the list, and the audit keeps its name
    assert response["Location"] == "/desk/settings/categories/"
    with tenant_context(tenant):
        assert not Category.objects.filter(pk=spare.pk).exists()
    [change] = _changes(tenant, "tickets.categories")
    assert (change.action, change.before["name"], change.after["name"]) == ("deleted", "Spare", None)


def test_merge_category_moves_tickets_and_subcategories_with_one_audit_row(tenant, admin, agent, new_ticket):
    # given "Invoices" (with a subcategory and two tickets) and "Billing"
    invoices = CategoryFactory(tenant=tenant, name="Invoices")
    duplicates = CategoryFactory(tenant=tenant, name="Duplicates", parent=invoices)
    billing = CategoryFactory(tenant=tenant, name="Billing")
    tickets = [new_ticket(), new_ticket()]
    with tenant_context(tenant):
        services.categorise(ticket=tickets[0], category=invoices, subcategory=duplicates, actor=agent)
        services.categorise(ticket=tickets[1], category=invoices, actor=agent)
    # when an admin merges "Invoices" into "Billing" from its page
    response = host_client(tenant, admin).post(
        f"/desk/settings/categories/{invoices.pk}/merge/", {"target": billing.pk}
    )
    # then the tickets and the subcategory are under "Billing", "Invoices" is gone, and one row says so
    assert response["Location"] == "/desk/settings/categories/"
    with tenant_context(tenant):
        moved = list(Ticket.objects.order_by("id").values_list("category_id", "subcategory_id"))
        assert Category.objects.get(pk=duplicates.pk).parent_id == billing.pk
        assert not Category.objects.filter(pk=invoices.pk).exists()
    assert moved == [(billing.pk, duplicates.pk), (billing.pk, None)]
    [change] = _changes(tenant, "tickets.categories")
    assert (change.action, change.after["merged_into"], change.after["tickets"]) == ("merged", billing.pk, 2)


def test_merge_category_refuses_mixing_levels(tenant, admin):
    # given a top-level category and another's subcategory
    billing = CategoryFactory(tenant=tenant, name="Billing")
    refunds = CategoryFactory(tenant=tenant, name="Refunds", parent=CategoryFactory(tenant=tenant, name="Money"))
    # when an admin merges one into the other
    with tenant_context(tenant), pytest.raises(ServiceError, match="subcategory into a subcategory"):
        categories.merge_category(actor=admin, source=billing, target=refunds)


def test_archived_category_is_no_longer_offered_in_the_portal(tenant, admin, desk):
    # given two public categories, one of which an admin archives
    CategoryFactory(tenant=tenant, name="Billing")
    legacy = CategoryFactory(tenant=tenant, name="Legacy product")
    response = host_client(tenant, admin).post(f"/desk/settings/categories/{legacy.pk}/archive/")
    assert response.status_code == 302
    # when a customer opens the request form
    form = host_client(tenant).get("/new/").text
    # then only the active one is offered
    assert "Billing" in form and "Legacy product" not in form
    [change] = _changes(tenant, "tickets.categories")
    assert (change.action, change.after) == ("archived", {"is_active": False})


# --- Queues ----------------------------------------------------------------------------------------------------------


def test_queue_page_makes_another_queue_the_default(tenant, admin, desk):
    # given the default queue "General" and another queue
    billing = QueueFactory(tenant=tenant, name="Billing", team=desk["team"])
    # when an admin makes "Billing" the default, with a high default priority
    data = {"name": "Billing", "team": desk["team"].pk, "assignment_strategy": "round_robin",
            "default_priority": Priority.HIGH, "is_default": "on"}  # fmt: skip
    response = host_client(tenant, admin).post(f"/desk/settings/queues/{billing.pk}/", data)
    # then it is the one default, and a new portal ticket... lands in it at its priority
    assert response.status_code == 302
    with tenant_context(tenant):
        assert list(Queue.objects.filter(is_default=True).values_list("name", flat=True)) == ["Billing"]
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Help", body="Please.")
    assert (ticket.queue_id, ticket.priority) == (billing.pk, Priority.HIGH)


def test_queue_page_refuses_unmarking_the_default(tenant, admin, desk):
    # given the default queue
    general = desk["queue"]
    # when an admin unticks "Default queue" on it
    data = {"name": "General", "team": "", "assignment_strategy": "manual", "default_priority": 2}
    response = host_client(tenant, admin).post(f"/desk/settings/queues/{general.pk}/", data)
    # then the page says what to do instead, and it stays the default
    assert response.status_code == 400
    assert "make another queue the default instead" in response.text
    with tenant_context(tenant):
        assert Queue.objects.get(pk=general.pk).is_default


def test_queue_page_refuses_a_duplicate_name(tenant, admin, desk):
    # when an admin adds a queue named like the existing one
    data = {"name": "GENERAL", "assignment_strategy": "manual", "default_priority": 2}
    response = host_client(tenant, admin).post("/desk/settings/queues/", data)
    # then the page says so
    assert response.status_code == 400 and "There is already a queue “GENERAL”." in response.text


def test_delete_queue_refused_while_it_has_tickets_and_merge_moves_them(tenant, admin, desk, new_ticket):
    # given a second queue with a ticket in it
    billing = QueueFactory(tenant=tenant, name="Billing", team=TeamFactory(tenant=tenant, name="Money"))
    ticket = new_ticket(queue=billing)
    client = host_client(tenant, admin)
    # when an admin deletes it
    refused = client.post(f"/desk/settings/queues/{billing.pk}/delete/", follow=True)
    # then it is refused, pointing to the merge
    assert "1 ticket is in “Billing”: merge it into another queue, which moves them." in refused.text
    # and when they merge it into General
    merged = client.post(f"/desk/settings/queues/{billing.pk}/merge/", {"target": desk["queue"].pk})
    # then the ticket is in General with General's team, Billing is gone, and one audit row says so
    assert merged["Location"] == "/desk/settings/queues/"
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert not Queue.objects.filter(pk=billing.pk).exists()
    assert (ticket.queue_id, ticket.team_id) == (desk["queue"].pk, desk["team"].pk)
    [change] = _changes(tenant, "tickets.queues")
    assert (change.action, change.after["tickets"]) == ("merged", 1)


def test_delete_queue_refused_naming_the_support_address_that_uses_it(tenant, admin, desk):
    # given an empty queue that a support address files into
    billing = QueueFactory(tenant=tenant, name="Billing")
    SupportAddressFactory(tenant=tenant, email="billing@acme.example", queue=billing)
    # when an admin deletes it
    with tenant_context(tenant), pytest.raises(ServiceError) as refused:
        queues.delete_queue(actor=admin, queue=billing)
    # then the refusal names the address
    assert "support address billing@acme.example" in str(refused.value)


def test_delete_default_queue_refused(tenant, admin, desk):
    with tenant_context(tenant), pytest.raises(ServiceError, match="is the default queue"):
        queues.delete_queue(actor=admin, queue=desk["queue"])


# --- Teams -----------------------------------------------------------------------------------------------------------


def test_supervisor_manages_the_membership_of_their_own_team(tenant, supervisor, agent, desk):
    # given a supervisor in the Frontline team
    TeamMembershipFactory(tenant=tenant, team=desk["team"], membership=supervisor)
    other = make_member(tenant, Role.AGENT, "agent2@acme.example")
    client = host_client(tenant, supervisor)
    # when they add an agent to it and remove another
    client.post(f"/desk/settings/teams/{desk['team'].pk}/members/", {"member": other.pk})
    client.post(f"/desk/settings/teams/{desk['team'].pk}/members/{agent.pk}/remove/")
    # then the team changed, and each change is audited as theirs
    with tenant_context(tenant):
        members = set(TeamMembership.objects.filter(team=desk["team"]).values_list("membership_id", flat=True))
    assert members == {supervisor.pk, other.pk}
    assert [(c.actor_membership_id, sorted(c.after)) for c in _changes(tenant, "tickets.teams")] == [
        (supervisor.pk, ["member_added"]),
        (supervisor.pk, ["member_removed"]),
    ]


def test_supervisor_cannot_change_a_team_they_are_not_in(tenant, supervisor, agent, desk):
    # given a supervisor who is not in the Frontline team (the agent is)
    client = host_client(tenant, supervisor)
    # when they try to remove the agent from it, and to rename it
    removed = client.post(f"/desk/settings/teams/{desk['team'].pk}/members/{agent.pk}/remove/", follow=True)
    renamed = client.post(f"/desk/settings/teams/{desk['team'].pk}/", {"name": "Mine now"}, follow=True)
    # then both are refused with a message, and nothing changed
    assert "Only admins, and supervisors of this team, can change who is in it." in removed.text
    assert "Only tenant admins can rename teams." in renamed.text
    with tenant_context(tenant):
        assert TeamMembership.objects.filter(team=desk["team"], membership=agent).exists()
        assert Team.objects.get(pk=desk["team"].pk).name == "Frontline"
    assert _changes(tenant, "tickets.teams") == []


def test_agent_cannot_open_the_teams_page(tenant, agent, desk):
    assert host_client(tenant, agent).get("/desk/settings/teams/").status_code == 403


def test_delete_team_refused_naming_the_queue_it_works(tenant, admin, desk):
    # given the Frontline team that works the General queue
    # when an admin deletes the team
    response = host_client(tenant, admin).post(f"/desk/settings/teams/{desk['team'].pk}/delete/", follow=True)
    # then the refusal names the queue
    assert "queue &quot;General&quot;" in response.text
    with tenant_context(tenant):
        assert Team.objects.filter(pk=desk["team"].pk).exists()


def test_add_team_member_refuses_a_customer(tenant, admin, customer, desk):
    with tenant_context(tenant), pytest.raises(ServiceError, match="only staff join teams"):
        teams.add_team_member(actor=admin, team=desk["team"], member=customer)


# --- Tags ------------------------------------------------------------------------------------------------------------


def test_merge_tags_moves_tickets_drops_duplicates_and_writes_one_audit_row(tenant, admin, agent, new_ticket):
    # given "biling" on two tickets, one of which also carries "billing"
    first, second = new_ticket(), new_ticket()
    with tenant_context(tenant):
        services.tag(ticket=first, names=["biling", "billing"], actor=agent)
        services.tag(ticket=second, names=["biling"], actor=agent)
        typo, right = Tag.objects.get(name="biling"), Tag.objects.get(name="billing")
    # when an admin merges "biling" into "billing" from the tag's page
    response = host_client(tenant, admin).post(f"/desk/settings/tags/{typo.pk}/merge/", {"target": "Billing"})
    # then both tickets carry "billing" once, "biling" is gone, and one audit row says so
    assert response["Location"] == "/desk/settings/tags/"
    with tenant_context(tenant):
        carried = sorted(Ticket.objects.filter(tags=right).values_list("pk", flat=True))
        assert not Tag.objects.filter(pk=typo.pk).exists()
        assert Ticket.objects.get(pk=first.pk).tags.count() == 1
    assert carried == sorted([first.pk, second.pk])
    [change] = _changes(tenant, "tickets.tags")
    assert (change.action, change.after["merged_into"], change.after["tickets"]) == ("merged", right.pk, 2)


def test_rename_tag_refuses_an_existing_name_and_suggests_a_merge(tenant, admin):
    # given two tags
    typo = TagFactory(tenant=tenant, name="biling")
    TagFactory(tenant=tenant, name="billing")
    # when an admin renames one to the other's name
    response = host_client(tenant, admin).post(f"/desk/settings/tags/{typo.pk}/", {"name": "Billing"})
    # then the page says to merge them
    assert response.status_code == 400
    assert "There is already a tag “billing”: merge the two instead." in response.text


def test_rename_tag_refused_naming_the_saved_view_that_filters_on_it(tenant, admin):
    # given a saved view filtering on a tag by its name
    tag = TagFactory(tenant=tenant, name="vip")
    SavedViewFactory(tenant=tenant, owner=admin, team=None, name="VIP queue", query="tag=vip")
    # when an admin renames the tag
    with tenant_context(tenant), pytest.raises(ServiceError) as refused:
        tag_settings.rename_tag(actor=admin, tag=tag, name="premium")
    # then the refusal names the view
    assert 'saved view "VIP queue"' in str(refused.value)


def test_delete_tag_takes_it_off_its_tickets(tenant, admin, new_ticket):
    # given a tag on a ticket
    ticket = new_ticket()
    tag = TagFactory(tenant=tenant, name="old")
    TicketTagFactory(tenant=tenant, ticket=ticket, tag=tag)
    # when an admin deletes it
    host_client(tenant, admin).post(f"/desk/settings/tags/{tag.pk}/delete/")
    # then the ticket no longer carries it and the audit counts the ticket
    with tenant_context(tenant):
        assert not ticket.tags.exists()
    [change] = _changes(tenant, "tickets.tags")
    assert (change.action, change.after["tickets"]) == ("deleted", 1)


# --- Setup and checklist ---------------------------------------------------------------------------------------------


def test_set_up_tenant_seeds_escalation_tiers_and_portal_settings(tenant, admin):
    # when the tenant is set up
    set_up_tenant(tenant, admin=admin)
    # then it has the default ladder and its portal settings row
    with tenant_context(tenant):
        assert list(EscalationTier.objects.values_list("level", "name")) == [
            (1, "Tier 1 support"),
            (2, "Tier 2 support"),
            (3, "Tier 3 support"),
        ]
        assert PortalSettings.objects.count() == 1


def test_checklist_sends_the_admin_to_the_categories_page(tenant, admin):
    with tenant_context(tenant):
        [item] = [item for item in checklist(tenant) if item.key == "categories"]
    assert item.url == "/desk/settings/categories/"


# --- Query counts ----------------------------------------------------------------------------------------------------


def _grow(tenant, admin, agent, n: int, offset: int) -> None:
    """n more categories (each with a subcategory and a ticket), queues, teams with a member, and tags in use."""
    with tenant_context(tenant):
        contact = services.get_or_create_contact(email="grow@customer.example", name="Grow")
        for i in range(offset, offset + n):
            parent = Category.objects.create(name=f"Category {i}", position=i)
            Category.objects.create(name=f"Sub {i}", parent=parent)
            team = Team.objects.create(name=f"Team {i}")
            TeamMembership.objects.create(team=team, membership=agent)
            queue = Queue.objects.create(name=f"Queue {i}", team=team)
            ticket = services.create_ticket(
                actor=contact, contact=contact, subject=f"T{i}", body="x", queue=queue, category=parent
            )
            services.tag(ticket=ticket, names=[f"tag {i}"], actor=admin)


@pytest.mark.parametrize(
    "url",
    [
        "/desk/settings/categories/",
        "/desk/settings/queues/",
        "/desk/settings/teams/",
        "/desk/settings/tags/",
        "/desk/settings/escalation/",
        "/desk/settings/portal/",
    ],
)
def test_structure_list_page_runs_a_fixed_number_of_queries(tenant, admin, agent, desk, url):
    # given a few rows of each kind
    _grow(tenant, admin, agent, 2, 0)
    client = host_client(tenant, admin)
    few = count_queries(client, url)
    # when there are many more
    _grow(tenant, admin, agent, 12, 2)
    # then the page runs as many queries
    assert count_queries(client, url) == few
