"""The ticket page keeps its whole timeline as one cached chunk (tickets.timeline_html) and still shows at once
what changed: a new message, a renamed or erased contact, a renamed tag, a mail that went out; times relative to
each view and in each viewer's zone; nothing of one tenant's cache in another's pages."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.conversations import printer_conversation
from tickets import services, timeline_html
from tickets.models import Message, OutboundEmail, Queue, Tag, Ticket
from tickets.services import customer_mail, directory, tag_settings

pytestmark = pytest.mark.django_db


def _conversation(tenant, agent, desk, new_ticket):
    return printer_conversation(tenant, agent, desk, new_ticket)[0]


def _timeline(page: str) -> str:
    start = page.index('<ol class="timeline">')
    return page[start : page.index("</ol>", start)]


def _view(client, ticket) -> str:
    response = client.get(f"/desk/tickets/{ticket.number}/")
    assert response.status_code == 200
    return _timeline(response.text)


def _reads_timeline(queries) -> bool:
    return any('FROM "tickets_message"' in q["sql"] for q in queries)


def test_timeline_comes_from_the_cache_on_the_next_view_and_reads_the_same(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    with CaptureQueriesContext(connection) as cold:
        first = _view(client, ticket)
    assert _reads_timeline(cold.captured_queries)
    # when it is viewed again
    with (
        CaptureQueriesContext(connection) as warm,
        mock.patch.object(timeline_html.cache, "get_many", wraps=timeline_html.cache.get_many) as reads,
    ):
        second = _view(client, ticket)
    # then neither messages nor events were read, the cache was asked once, and the timeline reads the same
    assert not _reads_timeline(warm.captured_queries)
    assert len(warm.captured_queries) < len(cold.captured_queries)
    # (the tenant's lists read their versions with get_many too: tenancy.tenant_lists)
    timeline_reads = [c for c in reads.call_args_list if any(k.startswith("ticket-timeline:") for k in c.args[0])]
    assert len(timeline_reads) == 1
    assert second == first
    assert "We are on it." in second and "Still smoking." in second and "Pat Requester" in second


def test_a_new_message_shows_at_once(tenant, agent, desk, new_ticket):
    # given a ticket page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    _view(client, ticket)
    # when the customer writes again and an agent adds a note
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=desk["contact"], body="Now it is beeping.")
        services.add_note(ticket=ticket, actor=agent, body="Call the fire brigade.")
    # then the next view shows both
    page = _view(client, ticket)
    assert "Now it is beeping." in page and "Call the fire brigade." in page


def test_a_renamed_contact_shows_at_once(tenant, agent, supervisor, desk, new_ticket):
    # given a ticket page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Pat Requester" in _view(client, ticket)
    # when a supervisor renames the requester
    with tenant_context(tenant):
        directory.update_contact(actor=supervisor, contact=desk["contact"], name="Patricia Renamed")
    # then the next view shows the new name and not the old one
    page = _view(client, ticket)
    assert "Patricia Renamed" in page and "Pat Requester" not in page


def test_a_renamed_agent_shows_at_once(tenant, agent, desk, new_ticket):
    # given a ticket page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    old_name = _view(client, ticket)
    # when the agent renames themselves
    user = agent.user
    user.full_name = "Alexandra Renamed"
    user.save(update_fields=["full_name"])
    # then the next view shows the new name
    assert "Alexandra Renamed" not in old_name
    assert "Alexandra Renamed" in _view(client, ticket)


def test_an_erased_contact_shows_at_once(tenant, agent, desk, new_ticket):
    # given a ticket page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Pat Requester" in _view(client, ticket)
    # when the contact is erased (its name and address overwritten; its messages keep pointing at it)
    contact = desk["contact"]
    contact.name, contact.email = "Erased contact", "erased-1@invalid.example"
    with tenant_context(tenant):
        contact.save(update_fields=["name", "email"])
    # then the next view names it as erased, nowhere as before
    page = _view(client, ticket)
    assert "Erased contact" in page and "Pat Requester" not in page


def test_a_bulk_redaction_shows_once_message_fragments_are_told(tenant, agent, desk, new_ticket):
    # given a ticket page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Still smoking." in _view(client, ticket)
    # when bodies are rewritten by an UPDATE (no signal) and, as the contract says, message_fragments is told
    from tickets import message_fragments

    with tenant_context(tenant):
        ids = list(Message.objects.filter(ticket=ticket).values_list("pk", flat=True))
        Message.objects.filter(pk__in=ids).update(body_html="<p>[redacted by request]</p>")
        message_fragments.forget(ids)
    # then the next view shows the new bodies
    page = _view(client, ticket)
    assert "[redacted by request]" in page and "Still smoking." not in page


def test_a_renamed_tag_shows_at_once(tenant, agent, admin, desk, new_ticket):
    # given a tagged ticket's page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    with tenant_context(tenant):
        services.tag(ticket=ticket, names=["smoke"], actor=agent)
    client = host_client(tenant, agent)
    assert "smoke" in _view(client, ticket)
    # when an admin renames the tag
    with tenant_context(tenant):
        tag_settings.rename_tag(actor=admin, tag=Tag.objects.get(name="smoke"), name="fire-hazard")
    # then the timeline's tag event says the new name
    page = _view(client, ticket)
    assert "fire-hazard" in page and "smoke" not in page


def test_a_mail_going_out_shows_at_once(tenant, agent, desk, new_ticket):
    # given an agent's reply whose mail is waiting, on a page viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Mail pending" in _view(client, ticket)
    # when the worker sends it (its row is updated without a signal)
    with tenant_context(tenant):
        for outbound in OutboundEmail.objects.filter(ticket=ticket, status=OutboundEmail.Status.PENDING):
            assert customer_mail.deliver_outbound_email(outbound_id=outbound.pk)
    # then the next view says so
    page = _view(client, ticket)
    assert "Mailed" in page and "Mail pending" not in page


def test_times_are_relative_to_each_view(tenant, agent, desk, new_ticket):
    # given a ticket page viewed right after the messages were written
    ticket = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "just now" in _view(client, ticket)
    # when it is viewed three hours later (from the cache)
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("tenancy.templatetags.moments.timezone.now", return_value=later):
        page = _view(client, ticket)
    # then every message and event says how long ago it was, now
    assert "just now" not in page
    assert page.count("3 h ago") == page.count("<time ")


def test_a_viewer_in_another_zone_gets_their_own_times(tenant, agent, desk, new_ticket):
    # given a page with a sent mail, viewed (and cached) by an agent in UTC
    ticket = _conversation(tenant, agent, desk, new_ticket)
    with tenant_context(tenant):
        OutboundEmail.objects.filter(ticket=ticket).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    colleague = make_member(tenant, Role.AGENT, "tokyo@acme.example")
    colleague.user.timezone = "Asia/Tokyo"
    colleague.user.save(update_fields=["timezone"])
    assert "UTC" in _view(host_client(tenant, agent), ticket)
    # when a colleague in Tokyo views it
    page = _view(host_client(tenant, colleague), ticket)
    # then every exact time it shows (the mail's and each entry's) is in Tokyo time
    assert "JST" in page and "UTC" not in page


def test_another_tenant_never_gets_the_cached_timeline(tenant, other_tenant, agent, desk, new_ticket):
    # given acme's ticket 1 viewed (and cached)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    assert "Still smoking." in _view(host_client(tenant, agent), ticket)
    # and globex's ticket with the same number
    from tests.tickets.factories import ContactFactory

    globex_agent = make_member(other_tenant, Role.SUPERVISOR, "supervisor@globex.example")
    with tenant_context(other_tenant):
        Queue.objects.create(name="General", is_default=True)
        contact = ContactFactory(tenant=other_tenant, email="sam@globex.example", name="Sam Globex")
        other = services.create_ticket(actor=contact, contact=contact, subject="Globex", body="Globex's own words.")
        assert other.number == ticket.number
        # then globex's scope cannot read acme's entry, even by its key
        assert cache.get(timeline_html.key(ticket.pk, is_admin=False)) is None
    # and globex's page shows its own conversation only
    page = _view(host_client(other_tenant, globex_agent), other)
    assert "Globex's own words." in page and "Still smoking." not in page and "Pat Requester" not in page


def test_a_timeline_naming_other_tickets_is_not_cached(tenant, agent, desk, new_ticket):
    # given a ticket linked to another (its event names it, or not, depending on the viewer)
    ticket = _conversation(tenant, agent, desk, new_ticket)
    other = new_ticket(subject="Smoke alarm")
    with tenant_context(tenant):
        services.link(ticket=ticket, other=other, actor=agent)
    client = host_client(tenant, agent)
    # when its page is viewed twice
    _view(client, ticket)
    with CaptureQueriesContext(connection) as second:
        page = _view(client, ticket)
    # then the second view read the timeline again
    assert _reads_timeline(second.captured_queries)
    assert f"#{other.number}" in page
    with tenant_context(tenant):
        assert Ticket.objects.filter(pk=other.pk).exists()


def test_a_portal_request_writes_no_generation_and_its_acknowledgement_going_out_shows_at_once(
    tenant, agent, desk, django_capture_on_commit_callbacks, monkeypatch
):
    from celery import current_app

    # given a visitor's request through the portal (its acknowledgement's row is written with the ticket), committed,
    # its acknowledgement queued for the worker (not sent in this process)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    with django_capture_on_commit_callbacks(execute=True):
        response = host_client(tenant).post(
            "/new/",
            {"name": "Robin", "email": "robin@customer.example", "subject": "Printer on fire", "website": "",
             "description": "Smoke.", "category": ""},
            REMOTE_ADDR="10.0.0.9",
        )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get(subject="Printer on fire")
        # then nothing was written to the ticket page's cache for it: no one could have read it before its commit
        assert cache.get(timeline_html._ticket_generation_key(ticket.pk)) is None
    # when an agent views it (and it is cached), and the worker sends the acknowledgement
    client = host_client(tenant, agent)
    assert "Mail pending" in _view(client, ticket)
    with tenant_context(tenant):
        (outbound,) = OutboundEmail.objects.filter(ticket=ticket)
        assert customer_mail.deliver_outbound_email(outbound_id=outbound.pk)
    # then the next view says so
    page = _view(client, ticket)
    assert "Mailed" in page and "Mail pending" not in page
