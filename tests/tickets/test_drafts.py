"""Draft autosave: one draft per agent and ticket, restored after a reload, cleared when sent, never shown to
another agent or another tenant."""

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.models import Draft, Queue
from tickets.services import drafts

pytestmark = pytest.mark.django_db


def _save(client, ticket, body, **extra):
    return client.post(f"/desk/tickets/{ticket.number}/draft/", {"body": body, "kind": "reply", **extra})


def _restored(client, ticket) -> dict:
    return client.get(f"/desk/tickets/{ticket.number}/draft/").json()


def test_draft_is_saved_restored_after_a_reload_and_cleared_on_send(tenant, agent, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    # when the agent types (autosave twice), then reloads the page
    assert _save(client, ticket, "Half a thought").status_code == 204
    _save(client, ticket, "Half a thought, now whole", kind="note")
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    # then one draft is kept, and the composer knows where to restore it from
    assert _restored(client, ticket) == {"body": "Half a thought, now whole", "kind": "note"}
    assert f'data-draft-url="/desk/tickets/{ticket.number}/draft/"' in page
    with tenant_context(tenant):
        assert Draft.objects.filter(ticket=ticket, membership=agent).count() == 1
    # and when the note is sent, the draft is gone
    client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "note", "body": "Half a thought, now whole"})
    assert _restored(client, ticket) == {"body": "", "kind": "reply"}


def test_a_failed_send_keeps_the_draft(tenant, agent, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    _save(client, ticket, "Keep me")
    # when the reply is refused (a status the ticket cannot move to)
    client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "Keep me", "status": "bogus"})
    # then the draft is still there
    assert _restored(client, ticket)["body"] == "Keep me"


def test_a_late_autosave_after_sending_does_not_bring_the_draft_back(tenant, agent, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    with tenant_context(tenant):
        seen = ticket.events.order_by("-id").first().pk
    client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "Sent", "seen_event_id": seen})
    # when the composer's last autosave arrives after the reply was sent, from the page that sent it
    _save(client, ticket, "Sent", seen_event_id=seen)
    # then it is ignored, while a new composer (knowing the newer events) saves again
    assert _restored(client, ticket)["body"] == ""
    with tenant_context(tenant):
        newest = ticket.events.order_by("-id").first().pk
    _save(client, ticket, "Follow-up", seen_event_id=newest)
    assert _restored(client, ticket)["body"] == "Follow-up"


def test_an_empty_composer_forgets_the_draft(tenant, agent, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    _save(client, ticket, "Oops")
    _save(client, ticket, "   ")
    with tenant_context(tenant):
        assert not Draft.objects.exists()


def test_another_agents_draft_never_shows(tenant, agent, new_ticket):
    ticket = new_ticket()
    colleague = make_member(tenant, "agent", "blake@acme.example")
    _save(host_client(tenant, colleague), ticket, "Blake's private wording")
    # when the agent opens the ticket and asks for a draft
    client = host_client(tenant, agent)
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    # then there is none for them
    assert _restored(client, ticket) == {"body": "", "kind": "reply"}
    assert "Blake&#x27;s private wording" not in page and "private wording" not in page
    assert _restored(host_client(tenant, colleague), ticket)["body"] == "Blake's private wording"


def test_another_tenants_draft_never_shows(tenant, other_tenant, agent, other_agent, new_ticket):
    # given acme ticket 1 and globex ticket 1, with a globex agent's draft on theirs
    ticket = new_ticket()
    with tenant_context(other_tenant):
        Queue.objects.create(name="Globex general", is_default=True)
        contact = ContactFactory(tenant=other_tenant, email="x@globex.example")
        theirs = services.create_ticket(actor=contact, contact=contact, subject="Globex", body="Hi")
        drafts.save_draft(ticket=theirs, actor=other_agent, body="Globex draft")
    assert theirs.number == ticket.number
    # when acme's agent asks for the draft of ticket 1, and the globex agent asks on acme's host
    mine = _restored(host_client(tenant, agent), ticket)
    foreign = host_client(tenant, other_agent).get(f"/desk/tickets/{ticket.number}/draft/")
    # then neither sees the other tenant's draft
    assert mine["body"] == "" and foreign.status_code == 404
    with tenant_context(tenant):
        assert not Draft.objects.exists()


def test_the_service_refuses_cross_tenant_drafts(tenant, other_tenant, other_agent, new_ticket):
    from tenancy.models import CrossTenantError

    ticket = new_ticket()
    with tenant_context(tenant), pytest.raises(CrossTenantError):
        drafts.save_draft(ticket=ticket, actor=other_agent, body="x")
