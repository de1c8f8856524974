"""With `agents_see_all_tickets` off, an agent reads and changes only the tickets of their teams' queues: the ticket
page's Related panel and timeline, notifications (list, opening one, email) and every way of moving a ticket to
another queue (the service, the desk's form, bulk, the API) hold them to tickets.selectors' one rule.

The hidden ticket and queue exist in the same tenant, so only the visibility check can keep them from the agent;
a supervisor of the same desk, who sees every queue, is the positive control."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory, TicketLinkFactory
from tests.tickets.ticket_forms import update_form
from tickets import services
from tickets.models import Notification, Queue, Team, TeamMembership, Ticket, TicketEvent, TicketLink
from tickets.services import notifications as notification_service
from tickets.services.api_keys import create_api_key
from tickets.services.bulk import apply_bulk

pytestmark = pytest.mark.django_db

SECRET = "Payroll of the board"


@pytest.fixture
def limited(tenant, admin, desk, new_ticket):
    """Acme limits agents to their teams. The agent is in Frontline (General); Billing is another team's queue
    with a ticket whose subject the agent must never read."""
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        billing_team = Team.objects.create(name="Billing")
        TeamMembership.objects.create(team=billing_team, membership=admin)
        billing = Queue.objects.create(name="Billing", team=billing_team)
    mine = new_ticket(subject="Printer on fire")
    hidden = new_ticket(subject=SECRET, queue=billing)
    return {"billing": billing, "mine": mine, "hidden": hidden}


def _reference(ticket: Ticket) -> str:
    return f"ACME-{ticket.number}"


# --- The ticket page's Related panel and timeline ----------------------------------------------------------------


def test_related_panel_counts_tickets_the_agent_cannot_open_without_naming_them(
    tenant, agent, supervisor, limited, new_ticket
):
    # given the agent's ticket linked to the hidden Billing ticket, followed up by another hidden one, and with a
    # third hidden Billing ticket merged into it
    mine, hidden, billing = limited["mine"], limited["hidden"], limited["billing"]
    follow_up = new_ticket(subject=f"{SECRET}, again", queue=billing)
    merged = new_ticket(subject=f"{SECRET}, third", body="The merged conversation.", queue=billing)
    with tenant_context(tenant):
        services.link(ticket=mine, other=hidden, actor=supervisor)
        TicketLinkFactory(tenant=tenant, source=mine, target=follow_up, kind=TicketLink.Kind.FOLLOW_UP)
        services.merge(source=merged, target=mine, actor=supervisor)
    # when the agent opens their ticket
    response = host_client(tenant, agent).get(f"/desk/tickets/{mine.number}/")
    # then the panel counts each kind of link without a reference, subject or link; the merged conversation
    # stays (it is this ticket's now) but is not named; the timeline's events do not name them either
    assert response.status_code == 200
    page = response.text
    assert SECRET not in page
    for other in (hidden, follow_up, merged):
        assert _reference(other) not in page and f"/desk/tickets/{other.number}/" not in page
    assert f"linked #{hidden.number}" not in page and f"merged #{merged.number}" not in page
    assert 'Related</span> <span class="muted">1 ticket you cannot open' in page
    assert 'Follow-up of</span> <span class="muted">1 ticket you cannot open' in page
    assert 'Merged from</span> <span class="muted">1 ticket you cannot open' in page
    assert "The merged conversation." in page and "from a merged ticket" in page
    assert "linked a ticket you cannot open" in page
    # and the supervisor, who sees every queue, gets all of them named on the same page
    page = host_client(tenant, supervisor).get(f"/desk/tickets/{mine.number}/").text
    for other in (hidden, follow_up, merged):
        assert f'href="/desk/tickets/{other.number}/">{_reference(other)}</a>' in page
    assert f"from {_reference(merged)}" in page and f"linked #{hidden.number}" in page


def test_related_panel_names_the_tickets_the_agent_may_open(tenant, agent, limited, new_ticket):
    # given the agent's ticket linked to another Frontline ticket
    other = new_ticket(subject="Scanner jammed")
    with tenant_context(tenant):
        services.link(ticket=limited["mine"], other=other, actor=agent)
    # when the agent opens it
    page = host_client(tenant, agent).get(f"/desk/tickets/{limited['mine'].number}/").text
    # then that one is shown as before: reference, subject, link
    assert f'href="/desk/tickets/{other.number}/">{_reference(other)}</a>' in page and "Scanner jammed" in page
    assert "you cannot open" not in page


def test_another_tenants_agent_sees_nothing_of_the_page(tenant, other_agent, supervisor, limited):
    # given the linked tickets in acme
    with tenant_context(tenant):
        services.link(ticket=limited["mine"], other=limited["hidden"], actor=supervisor)
    # when globex's agent asks acme's host for either ticket
    client = host_client(tenant, other_agent)
    # then neither exists for them
    for ticket in (limited["mine"], limited["hidden"]):
        assert client.get(f"/desk/tickets/{ticket.number}/").status_code == 404


# --- Notifications -----------------------------------------------------------------------------------------------


def _mention_agent(tenant, supervisor, ticket):
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=supervisor, body="@agent, please have a look.")
        return Notification.objects.get(kind=Notification.Kind.MENTION, ticket=ticket)


def test_notification_about_a_ticket_the_agent_cannot_open_names_and_links_nothing(tenant, agent, supervisor, limited):
    # given a mention of the agent on the hidden Billing ticket, and one on their own ticket
    hidden_notice = _mention_agent(tenant, supervisor, limited["hidden"])
    mine_notice = _mention_agent(tenant, supervisor, limited["mine"])
    client = host_client(tenant, agent)
    # when the agent lists their notifications
    page = client.get("/desk/notifications/").text
    # then the hidden ticket is neither named nor linked; their own one is
    assert SECRET not in page and _reference(limited["hidden"]) not in page
    assert f"/desk/notifications/{hidden_notice.pk}/" not in page
    assert "mentioned you on a ticket you cannot open" in page
    assert f"/desk/notifications/{mine_notice.pk}/" in page and _reference(limited["mine"]) in page
    # and opening it by its address marks it read but leads to the list, not to the ticket's address
    response = client.get(f"/desk/notifications/{hidden_notice.pk}/")
    assert response.status_code == 302 and response["Location"] == "/desk/notifications/"
    with tenant_context(tenant):
        hidden_notice.refresh_from_db()
    assert hidden_notice.read_at is not None
    assert (
        client.get(f"/desk/notifications/{mine_notice.pk}/")["Location"] == f"/desk/tickets/{limited['mine'].number}/"
    )


def test_notification_of_a_ticket_moved_out_of_the_agents_teams_stops_naming_it(
    tenant, agent, supervisor, limited, django_capture_on_commit_callbacks
):
    # given a mention of the agent on their ticket, not yet mailed, after which the ticket moves to Billing
    with django_capture_on_commit_callbacks(execute=False):
        notice = _mention_agent(tenant, supervisor, limited["mine"])
    with tenant_context(tenant):
        services.move_to_queue(ticket=limited["mine"], queue=limited["billing"], actor=supervisor)
    # when the list is shown and the mail goes out
    page = host_client(tenant, agent).get("/desk/notifications/").text
    with tenant_context(tenant):
        sent = notification_service.send_notification_email(notification_id=notice.pk)
    # then neither names it: the mail is not sent at all (it could say nothing to act on)
    assert "Printer on fire" not in page and _reference(limited["mine"]) not in page
    assert "a ticket you cannot open" in page
    assert sent is False and mail.outbox == []


def test_notification_email_of_a_ticket_the_agent_may_open_is_sent(tenant, agent, supervisor, limited):
    # the positive control of the test above: the same mention, the ticket left in the agent's queue
    with tenant_context(tenant):
        services.add_note(ticket=limited["mine"], actor=supervisor, body="@agent, please have a look.")
        notice = Notification.objects.get(ticket=limited["mine"])
        assert notification_service.send_notification_email(notification_id=notice.pk) is True
    assert "Printer on fire" in mail.outbox[0].subject


def test_another_tenants_notifications_list_shows_none_of_acmes(tenant, other_tenant, other_agent, supervisor, limited):
    # given mentions in acme
    _mention_agent(tenant, supervisor, limited["hidden"])
    # when globex's agent opens their list on their own host
    page = host_client(other_tenant, other_agent).get("/desk/notifications/").text
    # then nothing of acme's is there
    assert SECRET not in page and "ACME-" not in page and "Nothing new" in page


# --- Moving a ticket to a queue -----------------------------------------------------------------------------------


def test_service_refuses_to_move_into_a_queue_of_another_team(tenant, agent, supervisor, limited):
    # given the agent's ticket and the Billing queue of a team the agent is not in
    mine, billing = limited["mine"], limited["billing"]
    # when the agent moves it there through the service
    with tenant_context(tenant), pytest.raises(services.ServiceError, match="queues of your own teams"):
        services.move_to_queue(ticket=mine, queue=billing, actor=agent)
    # then it stays put, with no event; the supervisor (every queue) may move it, and so may routing
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=mine.pk).queue_id != billing.pk
        assert not TicketEvent.objects.filter(ticket=mine, kind="queue_changed").exists()
        assert services.move_to_queue(ticket=mine, queue=billing, actor=supervisor).queue_id == billing.pk
        general = Queue.objects.get(name="General")
        automation = services.Automation("routing rule #1")
        assert services.move_to_queue(ticket=mine, queue=general, actor=automation).queue_id == general.pk


def test_service_lets_agents_move_anywhere_when_they_see_all_tickets(tenant, agent, limited):
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = True
        tenant.save(update_fields=["agents_see_all_tickets"])
        agent.tenant.agents_see_all_tickets = True
        moved = services.move_to_queue(ticket=limited["mine"], queue=limited["billing"], actor=agent)
    assert moved.queue_id == limited["billing"].pk


def test_bulk_move_refuses_a_queue_of_another_team_per_ticket(tenant, agent, limited):
    # given the agent's ticket, handed to apply_bulk with the Billing queue (as a caller other than the desk's
    # form, which offers only visible queues, could)
    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("tenant").get(pk=limited["mine"].pk)
        # when the bulk move runs
        result = apply_bulk(tickets=[ticket], action="queue", actor=agent, queue=limited["billing"])
        # then the ticket is refused with the service's reason and did not move
        assert [(o.result, o.message) for o in result.outcomes] == [
            ("refused", "You can move tickets only into the queues of your own teams.")
        ]
        assert Ticket.objects.get(pk=ticket.pk).queue.name == "General"


def test_desk_forms_do_not_move_into_a_queue_of_another_team(tenant, agent, limited):
    # given the agent on the desk
    client = host_client(tenant, agent)
    mine, billing = limited["mine"], limited["billing"]
    # when they post the Billing queue to the ticket's queue form and to the bulk bar
    client.post(f"/desk/tickets/{mine.number}/update/", update_form(mine, queue=billing.pk))
    client.post("/desk/bulk/", {"base": "all", "do": f"queue:{billing.pk}", "ids": [mine.pk]})
    # then the ticket has not moved
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=mine.pk).queue.name == "General"


def _api(tenant, member, role) -> Client:
    with tenant_context(tenant):
        plaintext = create_api_key(actor=member, name="CRM sync", role=role)[1]
    return Client(HTTP_HOST=tenant.host, HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def test_api_patch_refuses_a_queue_the_keys_member_cannot_see(tenant, admin, limited, other_tenant):
    # given agent keys made by two admins: one in Frontline only, one (`admin`) in Frontline and Billing
    frontline_admin = make_member(tenant, Role.ADMIN, "admin2@acme.example")
    with tenant_context(tenant):
        frontline = Queue.objects.get(name="General").team
        TeamMembership.objects.create(team=frontline, membership=frontline_admin)
        TeamMembership.objects.create(team=frontline, membership=admin)
        sales = Queue.objects.create(name="Sales", team=Team.objects.create(name="Sales"))
    mine, billing = limited["mine"], limited["billing"]
    agent_client = _api(tenant, frontline_admin, Role.AGENT)
    url = f"/api/v1/tickets/{mine.number}/"

    def patch(client, data):
        return client.patch(url, json.dumps(data), content_type="application/json")

    # when the Frontline admin's agent key moves the ticket into Billing (and changes the priority in the same call)
    refused = patch(agent_client, {"queue": billing.pk, "priority": 4})
    # then it is a 400 with a clear message, and nothing changed
    assert refused.status_code == 400
    assert refused.json() == {"message": "You can move tickets only into the queues of your own teams.", "errors": {}}
    with tenant_context(tenant):
        unchanged = Ticket.objects.get(pk=mine.pk)
        assert (unchanged.queue.name, unchanged.priority) == ("General", mine.priority)
    # and the admin's agent key may move it into Billing (the admin's team) but not into Sales (nobody's)
    admin_agent_client = _api(tenant, admin, Role.AGENT)
    assert patch(admin_agent_client, {"queue": sales.pk}).status_code == 400
    moved = patch(admin_agent_client, {"queue": billing.pk})
    assert moved.status_code == 200 and moved.json()["queue"] == billing.pk
    # and globex's queue is unknown to acme's keys, as before
    with tenant_context(other_tenant):
        globex_queue = Queue.objects.create(name="Globex")
    answer = patch(_api(tenant, admin, Role.ADMIN), {"queue": globex_queue.pk})
    assert answer.status_code == 400 and "queue" in answer.json()["errors"]


def test_api_admin_key_moves_into_any_queue(tenant, admin, limited):
    # the positive control: an admin key sees every queue
    client = _api(tenant, admin, Role.ADMIN)
    answer = client.patch(
        f"/api/v1/tickets/{limited['mine'].number}/",
        json.dumps({"queue": limited["billing"].pk}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["queue"] == limited["billing"].pk


def test_contact_is_unaffected(tenant, limited):
    # a contact never moves tickets: the desk-actor check refuses before the queue check
    contact = ContactFactory(tenant=tenant)
    with tenant_context(tenant), pytest.raises(services.ServiceError):
        services.move_to_queue(ticket=limited["mine"], queue=limited["billing"], actor=contact)
