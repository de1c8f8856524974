"""The ticket page keeps each message's rendered form in the cache (tickets.message_fragments) and still shows
what changed: a renamed or erased author, a mail that went out, the time relative to now, the viewer's zone."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from tenancy.context import tenant_context
from tests.conftest import host_client
from tickets import message_fragments, services
from tickets.models import Message, OutboundEmail

pytestmark = pytest.mark.django_db


def _conversation(tenant, agent, desk, new_ticket):
    ticket = new_ticket(subject="Printer on fire")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="We are on it.")
        services.reply(ticket=ticket, actor=desk["contact"], body="Still smoking.")
        ids = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("pk", flat=True))
    return ticket, ids


def _timeline(page: str) -> str:
    return page[page.index('<ol class="timeline">') : page.index("</ol>", page.index('<ol class="timeline">'))]


def _cached(tenant, message_ids):
    with tenant_context(tenant):
        return {pk: cache.get(message_fragments.key(pk)) for pk in message_ids}


def test_ticket_page_renders_cached_messages_without_rendering_them_again(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once
    ticket, ids = _conversation(tenant, agent, desk, new_ticket)
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
    ticket, ids = _conversation(tenant, agent, desk, new_ticket)
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
    ticket, _ids = _conversation(tenant, agent, desk, new_ticket)
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
    ticket, _ids = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    assert "Mail pending" in client.get(f"/desk/tickets/{ticket.number}/").text
    # when the mail is sent (the worker updates the row: no signal)
    with tenant_context(tenant):
        OutboundEmail.objects.filter(ticket=ticket).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    # then the page says so
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    assert "Mailed" in page and "Mail pending" not in page


def test_message_fragments_are_one_cache_round_trip_per_page(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once
    ticket, ids = _conversation(tenant, agent, desk, new_ticket)
    client = host_client(tenant, agent)
    client.get(f"/desk/tickets/{ticket.number}/")
    # when it is viewed again
    with mock.patch.object(message_fragments.cache, "get_many", wraps=message_fragments.cache.get_many) as reads:
        client.get(f"/desk/tickets/{ticket.number}/")
    # then the messages were read from the cache in one call, for all of them
    [call] = reads.call_args_list
    assert sorted(call.args[0]) == sorted(message_fragments.key(pk) for pk in ids)
