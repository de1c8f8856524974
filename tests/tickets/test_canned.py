"""Canned responses: whitelisted placeholders (hostile names stay inert text), who may manage which response,
the composer's search, and a response's status applied through the reply service."""

from html import unescape

import pytest

from tenancy.context import tenant_context
from tenancy.models import CrossTenantError
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets.lifecycle import Status
from tickets.models import CannedResponse
from tickets.services import ServiceError, canned

pytestmark = pytest.mark.django_db


def _create(member, **fields):
    fields.setdefault("title", "Greeting")
    fields.setdefault("body", "Hello")
    with tenant_context(member.tenant_id):
        return canned.create_canned_response(actor=member, **fields)


def _render(response, ticket, agent):
    with tenant_context(ticket.tenant_id):
        return canned.render_canned_response(response=response, ticket=ticket, agent=agent)


# --- Placeholders ------------------------------------------------------------------------------------------------


def test_render_fills_every_whitelisted_placeholder(tenant, agent, new_ticket):
    # given a ticket from Pat Requester and a response using every placeholder, spaces inside the braces or not
    ticket = new_ticket(subject="VPN drops")
    body = (
        "Hi {{ contact.first_name }} ({{contact.name}}), about {{ ticket.number }} “{{  ticket.subject }}”:"
        " {{ agent.first_name }} / {{ agent.name }}"
    )
    response = _create(agent, body=body)
    # when it is rendered for this ticket and agent
    text = _render(response, ticket, agent)
    # then each placeholder is replaced by plain text
    name = agent.display_name
    assert text == f"Hi Pat (Pat Requester), about ACME-1 “VPN drops”: {name.split()[0]} / {name}"


def test_render_keeps_hostile_contact_names_as_inert_text(tenant, agent, new_ticket):
    # given contacts whose names are markup and template syntax
    for hostile in ("<script>alert(1)</script>", "{{ settings.SECRET_KEY }}", "{% debug %} {{ ticket.subject }}"):
        with tenant_context(tenant):
            contact = ContactFactory(tenant=tenant, email=None, name=hostile)
        ticket = new_ticket(subject="Secret plans", contact=contact)
        response = _create(agent, title=f"r {hostile}", body="Dear {{ contact.name }}, re {{ ticket.number }}")
        # when the response is rendered
        text = _render(response, ticket, agent)
        # then the name comes out exactly as typed: not expanded again, not evaluated, no secret
        assert text == f"Dear {hostile}, re {ticket.reference}"
        assert "Secret plans" not in text


def test_hostile_name_reaches_the_composer_and_the_reply_as_text(tenant, agent, new_ticket, settings):
    # given a ticket from a contact called <script>alert(1)</script> and a response greeting them
    with tenant_context(tenant):
        contact = ContactFactory(tenant=tenant, name="<script>alert(1)</script> {{ settings.SECRET_KEY }}")
    ticket = new_ticket(contact=contact)
    _create(agent, title="Hello", body="Hello {{ contact.name }}")
    client = host_client(tenant, agent)
    # when the agent searches canned responses from the composer and sends the inserted text
    found = client.get(f"/desk/tickets/{ticket.number}/canned/", {"canned_q": "hello"}).text
    client.post(
        f"/desk/tickets/{ticket.number}/reply/",
        {"kind": "reply", "body": unescape(found.split('data-canned-text="')[1].split('"')[0])},
    )
    # then the search result escapes the markup, and the stored reply shows it as text
    assert "<script>" not in found and "&lt;script&gt;alert(1)&lt;/script&gt;" in found
    assert settings.SECRET_KEY not in found
    with tenant_context(tenant):
        message = ticket.messages.order_by("-id").first()
    assert "<script" not in message.body_html and "&lt;script&gt;" in message.body_html
    assert "{{ settings.SECRET_KEY }}" in message.body_text


def test_unknown_placeholders_are_refused_on_save_and_left_visible_when_rendered(tenant, agent, new_ticket):
    # when an agent saves a response with a placeholder outside the whitelist
    with pytest.raises(ServiceError, match=r"Unknown placeholder \{\{ settings.SECRET_KEY \}\}"):
        _create(agent, body="Key: {{ settings.SECRET_KEY }}")
    # and a response stored before the rule (or by other means) still has one
    ticket = new_ticket()
    with tenant_context(tenant):
        old = CannedResponse.objects.create(title="Old", body="{{ contact.email }} {{ ticket.subject }}", owner=None)
    # then rendering leaves the unknown one exactly as typed
    assert _render(old, ticket, agent) == "{{ contact.email }} Printer on fire"


def test_unknown_placeholder_message_keeps_what_was_typed(tenant, agent):
    # when the management form is posted with an unknown placeholder
    response = host_client(tenant, agent).post(
        "/desk/canned/new/", {"title": "Keys", "folder": "Billing", "body": "Hi {{ user.password }}"}
    )
    # then the page says why and keeps every field as typed
    assert response.status_code == 400
    assert "Unknown placeholder {{ user.password }}" in unescape(response.text)
    assert 'value="Keys"' in response.text and 'value="Billing"' in response.text
    assert "Hi {{ user.password }}</textarea>" in unescape(response.text)
    with tenant_context(tenant):
        assert not CannedResponse.objects.exists()


# --- Who manages what --------------------------------------------------------------------------------------------


def test_agents_create_personal_responses_and_supervisors_shared_ones(tenant, agent, supervisor):
    # when an agent and a supervisor create responses, the supervisor sharing hers
    mine = _create(agent, title="Mine")
    shared = _create(supervisor, title="Everyone's", shared=True)
    # then the agent's is personal, the supervisor's shared, and an agent cannot share
    assert (mine.owner_id, shared.owner_id) == (agent.pk, None)
    with pytest.raises(ServiceError, match="Only supervisors"):
        _create(agent, title="Not allowed", shared=True)


def test_agent_cannot_edit_or_delete_a_shared_response(tenant, agent, supervisor):
    # given a shared response
    shared = _create(supervisor, title="Refund policy", shared=True)
    client = host_client(tenant, agent)
    # when an agent tries to change or delete it, through the pages and the service
    page = client.get(f"/desk/canned/{shared.pk}/")
    posted = client.post(f"/desk/canned/{shared.pk}/", {"title": "Mine now", "body": "x"})
    deleted = client.post(f"/desk/canned/{shared.pk}/delete/")
    with tenant_context(tenant), pytest.raises(ServiceError, match="Only supervisors"):
        canned.update_canned_response(response=shared, actor=agent, title="Mine now", body="x")
    # then every attempt is refused, and the response is unchanged
    assert (page.status_code, posted.status_code, deleted.status_code) == (403, 403, 403)
    with tenant_context(tenant):
        assert CannedResponse.objects.get(pk=shared.pk).title == "Refund policy"
    # while the agent may still use it, and a supervisor may edit it
    listing = client.get("/desk/canned/").text
    assert "Refund policy" in listing and f"/desk/canned/{shared.pk}/" not in listing
    edited = host_client(tenant, supervisor).post(
        f"/desk/canned/{shared.pk}/", {"title": "Refunds", "body": "Within 30 days.", "shared": "on"}
    )
    assert edited.status_code == 302
    with tenant_context(tenant):
        assert CannedResponse.objects.get(pk=shared.pk).title == "Refunds"


def test_another_agents_personal_response_does_not_exist_for_me(tenant, agent, supervisor, new_ticket):
    # given a colleague's personal response
    colleague = make_member(tenant, "agent", "blake@acme.example")
    theirs = _create(colleague, title="Blake's secret macro", body="Blake only")
    ticket = new_ticket()
    # when the agent (or even a supervisor) looks for it
    for member in (agent, supervisor):
        client = host_client(tenant, member)
        assert client.get(f"/desk/canned/{theirs.pk}/").status_code == 404
        assert client.post(f"/desk/canned/{theirs.pk}/delete/").status_code == 404
        assert "Blake&#x27;s secret macro" not in client.get("/desk/canned/").text
        found = client.get(f"/desk/tickets/{ticket.number}/canned/", {"canned_q": ""}).text
        # then it is nowhere to be found
        assert "Blake only" not in found
    with tenant_context(tenant), pytest.raises(ServiceError):
        canned.render_canned_response(response=theirs, ticket=ticket, agent=agent)


def test_another_tenants_response_is_a_404(tenant, other_tenant, agent, other_agent, new_ticket):
    # given a shared response in globex
    globex_admin = make_member(other_tenant, "admin", "admin@globex.example")
    theirs = _create(globex_admin, title="Globex greeting", body="Globex hello", shared=True)
    ticket = new_ticket()
    client = host_client(tenant, agent)
    # when acme's agent asks for it by id, or searches
    assert client.get(f"/desk/canned/{theirs.pk}/").status_code == 404
    assert client.post(f"/desk/canned/{theirs.pk}/delete/").status_code == 404
    found = client.get(f"/desk/tickets/{ticket.number}/canned/", {"canned_q": "greeting"}).text
    # then acme sees nothing of it, and the service refuses to mix the tenants
    assert "Globex hello" not in found and "Globex greeting" not in client.get("/desk/canned/").text
    with tenant_context(tenant), pytest.raises(CrossTenantError):
        canned.render_canned_response(response=theirs, ticket=ticket, agent=agent)
    with tenant_context(other_tenant):
        assert CannedResponse.objects.filter(pk=theirs.pk).exists()


def test_management_page_lists_by_folder_and_creates_edits_deletes(tenant, agent):
    client = host_client(tenant, agent)
    # when the agent creates two responses in folders, edits one and deletes the other
    created = client.post("/desk/canned/new/", {"title": "Reset link", "folder": "Accounts", "body": "Use the link."})
    client.post("/desk/canned/new/", {"title": "Invoice copy", "folder": "Billing", "body": "Attached."})
    with tenant_context(tenant):
        reset, invoice = CannedResponse.objects.order_by("id")
    client.post(
        f"/desk/canned/{reset.pk}/",
        {"title": "Password reset", "folder": "Accounts", "body": "Use it.", "set_status": "pending"},
    )
    deleted = client.post(f"/desk/canned/{invoice.pk}/delete/", follow=True).text
    page = client.get("/desk/canned/").text
    # then the list shows what is left, under its folder
    assert created.status_code == 302 and "Deleted “Invoice copy”." in deleted
    assert "Accounts" in page and "Password reset" in page and "Invoice copy" not in page
    with tenant_context(tenant):
        reset.refresh_from_db()
        assert (reset.owner_id, reset.set_status, reset.body) == (agent.pk, "pending", "Use it.")


# --- The composer -------------------------------------------------------------------------------------------------


def test_composer_search_offers_shared_and_own_rendered_for_the_ticket(tenant, agent, supervisor, new_ticket):
    # given a shared and a personal response, and one that does not match
    _create(supervisor, title="Password reset", folder="Accounts", body="Hi {{ contact.first_name }}", shared=True)
    _create(agent, title="My password tip", body="Tip for {{ ticket.number }}", set_status="pending")
    _create(agent, title="Invoice", body="Attached")
    ticket = new_ticket()
    # when the agent searches from the composer
    found = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/canned/", {"canned_q": "password"}).text
    # then both password responses come back filled in, with the status the personal one sets
    assert 'data-canned-text="Hi Pat"' in found and 'data-canned-text="Tip for ACME-1"' in found
    assert 'data-canned-status="pending"' in found and "Invoice" not in found


def test_canned_status_is_applied_by_the_reply_service(tenant, agent, new_ticket):
    # given a response that sets the ticket pending
    ticket = new_ticket()
    response = _create(agent, title="Need info", body="Could you send a screenshot?", set_status="pending")
    with tenant_context(tenant):
        status = canned.status_for(response=response, ticket=ticket)
    client = host_client(tenant, agent)
    # when the agent sends the inserted text with the status the composer picked from it
    sent = client.post(
        f"/desk/tickets/{ticket.number}/reply/",
        {"kind": "reply", "body": _render(response, ticket, agent), "status": status},
    )
    # then the service replied and set the status, with its audit event
    assert (status, sent.status_code) == ("pending", 302)
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING
        assert ticket.events.filter(kind="status_changed", new_value="pending", actor_membership=agent).exists()
        # and a status the ticket cannot move to now is not offered
        assert canned.status_for(response=response, ticket=ticket) == ""


def test_refuses_a_status_a_reply_cannot_set(tenant, agent):
    with pytest.raises(ServiceError, match="Choose a status"):
        _create(agent, set_status="spam")
