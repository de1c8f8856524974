"""The ticket page keeps each message's rendered form in the cache (tickets.message_fragments) and still shows
what changed: a renamed or erased author, a mail that went out, the time relative to now, the viewer's zone."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.tickets.conversations import printer_conversation
from tickets import message_fragments, timeline_html
from tickets.models import Message, OutboundEmail

pytestmark = pytest.mark.django_db


def _timeline(page: str) -> str:
    return page[page.index('<ol class="timeline">') : page.index("</ol>", page.index('<ol class="timeline">'))]


def _cached(tenant, message_ids):
    with tenant_context(tenant):
        return {pk: cache.get(message_fragments.key(pk)) for pk in message_ids}


def test_ticket_page_renders_cached_messages_without_rendering_them_again(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once
    ticket, ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    first = _timeline(client.get(f"/desk/tickets/{ticket.number}/").text)
    assert all(_cached(tenant, ids).values())
    # when it is viewed again
    with mock.patch.object(message_fragments, "get_template", side_effect=AssertionError("rendered again")):
        second = _timeline(client.get(f"/desk/tickets/{ticket.number}/").text)
    # then every message came from the cache, and the conversation reads the same
    assert second == first
    assert "We are on it." in second and "Still smoking." in second


def test_ticket_page_shows_a_renamed_contact_and_agent_at_once(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once (its messages cached)
    ticket, ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Pat Requester" in client.get(f"/desk/tickets/{ticket.number}/").text
    # when the requester is renamed (as an erasure overwrites the name) and the agent renames themselves
    contact = desk["contact"]
    contact.name = "Erased contact"
    with tenant_context(tenant):
        contact.save(update_fields=["name"])
    user = agent.user
    user.full_name = "Alexandra Renamed"
    user.save(update_fields=["full_name"])
    # then the contact's cached messages are gone from the cache at once, without waiting for a view
    cached = _cached(tenant, ids)
    with tenant_context(tenant):
        by_contact = set(Message.objects.filter(author_contact=contact).values_list("pk", flat=True))
    assert by_contact and all(cached[pk] is None for pk in by_contact)
    # and the page shows both new names and neither old one
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    assert "Erased contact" in page and "Pat Requester" not in page
    assert "Alexandra Renamed" in page


def test_cached_message_shows_its_time_relative_to_each_view(tenant, agent, desk, new_ticket):
    # given a ticket page viewed right after the messages were written
    ticket, _ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "just now" in client.get(f"/desk/tickets/{ticket.number}/").text
    # when it is viewed three hours later
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("tenancy.templatetags.moments.timezone.now", return_value=later):
        page = client.get(f"/desk/tickets/{ticket.number}/").text
    # then the cached messages say how long ago they were written now
    assert page.count("3 h ago") >= 3


def test_cached_message_shows_its_mail_going_out(tenant, agent, desk, new_ticket):
    # given an agent's reply whose mail is waiting, on a page viewed once
    ticket, _ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Mail pending" in client.get(f"/desk/tickets/{ticket.number}/").text
    # when the mail is sent (the worker updates the row: no signal, so it drops the ticket's cached timeline)
    with tenant_context(tenant):
        OutboundEmail.objects.filter(ticket=ticket).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
        timeline_html.forget_ticket(ticket_id=ticket.pk, tenant_id=tenant.pk)
    # then the page says so
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    assert "Mailed" in page and "Mail pending" not in page


def test_message_fragments_are_one_cache_round_trip_per_page(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once
    ticket, ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    client.get(f"/desk/tickets/{ticket.number}/")
    # when it is viewed again with its timeline rendered afresh (tickets.timeline_html keeps it otherwise)
    with tenant_context(tenant):
        timeline_html.forget_ticket(ticket_id=ticket.pk, tenant_id=tenant.pk)
    with mock.patch.object(message_fragments.cache, "get_many", wraps=message_fragments.cache.get_many) as reads:
        client.get(f"/desk/tickets/{ticket.number}/")
    # then the messages were read from the cache in one call, for all of them (besides the timeline's one call
    # and the tenant's lists' versions: tenancy.tenant_lists)
    wanted = {message_fragments.key(pk) for pk in ids}
    [call] = [c for c in reads.call_args_list if wanted & set(c.args[0])]
    assert sorted(call.args[0]) == sorted(wanted)


def _body_reads(queries) -> list[str]:
    """The statements that read message bodies (the timeline's OCTET_LENGTH of one reads only its size)."""
    return [
        q["sql"]
        for q in queries
        if '"tickets_message"."body_html"' in q["sql"].replace('OCTET_LENGTH("tickets_message"."body_html")', "")
    ]


def test_ticket_page_reads_message_bodies_only_for_messages_rendered_afresh(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once (its messages cached)
    ticket, ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    first = _timeline(client.get(f"/desk/tickets/{ticket.number}/").text)
    # when it is viewed again with its timeline rendered afresh (tickets.timeline_html keeps it otherwise)
    with tenant_context(tenant):
        timeline_html.forget_ticket(ticket_id=ticket.pk, tenant_id=tenant.pk)
    with CaptureQueriesContext(connection) as warm:
        second = _timeline(client.get(f"/desk/tickets/{ticket.number}/").text)
    # then no body was read, and the conversation reads the same
    assert _body_reads(warm.captured_queries) == []
    assert second == first and "We are on it." in second
    # when one message's entry is gone, the page reads that body alone, in one statement
    with tenant_context(tenant):
        message_fragments.forget([ids[1]])
    with CaptureQueriesContext(connection) as missing:
        third = _timeline(client.get(f"/desk/tickets/{ticket.number}/").text)
    [read] = _body_reads(missing.captured_queries)
    assert third == first
    assert all(len(_body_reads([q])) == 0 or q["sql"] == read for q in missing.captured_queries)


def test_cached_message_shows_a_body_changed_without_a_signal(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once (its messages cached)
    ticket, ids = printer_conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Still smoking." in client.get(f"/desk/tickets/{ticket.number}/").text
    # when a body is rewritten by an UPDATE that sends no signal (as a bulk redaction or a storage migration would)
    # and only the ticket's cached timeline is dropped (the message's fragment is not)
    with tenant_context(tenant):
        Message.objects.filter(pk=ids[2]).update(body_html="<p>[redacted by request]</p>")
        timeline_html.forget_ticket(ticket_id=ticket.pk, tenant_id=tenant.pk)
    # then the page shows the new body, not the cached one (the fragment's inputs carry the body's size)
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    assert "[redacted by request]" in page and "Still smoking." not in page
