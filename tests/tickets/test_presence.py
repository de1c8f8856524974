"""Collision detection: who else is on a ticket (kept in the cache, expiring by itself), who is typing, and a
reply held back when someone else changed the ticket since the page was shown."""

import re
import time
from html import unescape

import pytest
from django.core.cache import cache

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tickets import presence, services
from tickets.lifecycle import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def blake(tenant):
    return make_member(tenant, "agent", "blake@acme.example")


def _text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", page)).split())


def _seen(page: str) -> int:
    return int(re.search(r'name="seen_event_id" value="(\d+)"', page).group(1))


# --- Presence ----------------------------------------------------------------------------------------------------


def test_each_agent_sees_the_others_on_the_ticket_but_not_themselves(tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        # when both have the ticket open
        presence.mark_viewing(ticket=ticket, member=agent)
        presence.mark_viewing(ticket=ticket, member=blake)
        # then each sees only the other
        assert [p.member_id for p in presence.others_present(ticket=ticket, member=agent)] == [blake.pk]
        assert [p.member_id for p in presence.others_present(ticket=ticket, member=blake)] == [agent.pk]


def test_presence_expires_by_itself(tenant, agent, blake, new_ticket, settings):
    settings.PRESENCE_TTL_SECONDS = 20
    ticket = new_ticket()
    start = time.time()
    with tenant_context(tenant):
        presence.mark_viewing(ticket=ticket, member=blake, now=start)
        # then Blake counts as present within the time to live, and not after it (a closed tab stops polling)
        assert presence.others_present(ticket=ticket, member=agent, now=start + 19)
        assert presence.others_present(ticket=ticket, member=agent, now=start + 21) == []


def test_presence_is_gone_when_the_cache_entry_is(tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        presence.mark_viewing(ticket=ticket, member=blake)
        # when the cache drops Blake's entry (expiry, eviction, or the tab saying goodbye)
        cache.delete(f"presence:{ticket.pk}:{blake.pk}")
        # then nobody is shown, and the roster's leftover id is harmless
        assert presence.others_present(ticket=ticket, member=agent) == []
        presence.mark_viewing(ticket=ticket, member=blake)
        presence.leave(ticket=ticket, member=blake)
        assert presence.others_present(ticket=ticket, member=agent) == []


def test_typing_lapses_a_few_seconds_after_the_last_key(tenant, agent, blake, new_ticket, settings):
    settings.PRESENCE_TYPING_SECONDS = 6
    ticket = new_ticket()
    start = time.time()
    with tenant_context(tenant):
        presence.mark_typing(ticket=ticket, member=blake, kind="note", now=start)
        typing = presence.others_present(ticket=ticket, member=agent, now=start + 2)
        later = presence.others_present(ticket=ticket, member=agent, now=start + 7)
    assert [(p.typing, p.kind) for p in typing] == [(True, "note")]
    assert [(p.typing, p.kind) for p in later] == [(False, "")]


def test_presence_keys_belong_to_the_tenant(tenant, other_tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        presence.mark_viewing(ticket=ticket, member=blake)
    # when the same key is read in another tenant's scope
    with tenant_context(other_tenant):
        # then nothing is there
        assert cache.get(f"presence:{ticket.pk}") is None
        assert cache.get(f"presence:{ticket.pk}:{blake.pk}") is None


def test_presence_poll_shows_viewers_and_typists(tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    url = f"/desk/tickets/{ticket.number}/presence/"
    agent_client, blake_client = host_client(tenant, agent), host_client(tenant, blake)
    # when Blake opens the ticket, then the agent's poll runs
    alone = blake_client.get(url).text
    viewing = agent_client.get(url).text
    # and when the agent starts typing a reply, Blake's poll runs
    assert agent_client.post(url, {"typing": "1", "kind": "reply"}).status_code == 204
    typing = blake_client.get(url).text
    # then each sees the other, and what they are doing
    assert "is viewing" not in alone
    assert blake.display_name in viewing and "is viewing" in viewing
    assert agent.display_name in typing and "is typing a reply" in typing
    # and once the agent sent the reply, Blake no longer sees them typing
    agent_client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "Done"})
    sent = blake_client.get(url).text
    assert agent.display_name in sent and "is typing" not in sent
    # and the presence of an agent who left disappears at once
    agent_client.post(url, {"leave": "1"})
    assert agent.display_name not in blake_client.get(url).text


def test_presence_poll_announces_new_activity_by_others(tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    seen = _seen(client.get(f"/desk/tickets/{ticket.number}/").text)
    url = f"/desk/tickets/{ticket.number}/presence/?since={seen}"
    # when the agent changes the ticket, nothing is announced to them; when Blake replies, it is
    with tenant_context(tenant):
        services.claim(ticket=ticket, actor=agent)
    quiet = client.get(url).text
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=blake, body="On it too")
    news = client.get(url).text
    assert "New activity" not in quiet
    assert "New activity since you opened this ticket" in news


def test_other_tenants_staff_get_no_presence(tenant, other_agent, new_ticket):
    ticket = new_ticket()
    assert host_client(tenant, other_agent).get(f"/desk/tickets/{ticket.number}/presence/").status_code == 404


# --- A reply over someone else's ---------------------------------------------------------------------------------


def test_reply_is_held_when_someone_else_replied_since_the_page_loaded(tenant, agent, blake, new_ticket):
    # given the agent opened the ticket, then Blake replied and set it pending
    ticket = new_ticket()
    client = host_client(tenant, agent)
    seen = _seen(client.get(f"/desk/tickets/{ticket.number}/").text)
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=blake, body="We are restarting the printer now.", status="pending")
    reply = {"kind": "reply", "body": "Please restart the printer.", "seen_event_id": seen}
    # when the agent sends a reply written on the old page
    held = client.post(f"/desk/tickets/{ticket.number}/reply/", reply)
    # then nothing is sent: the page says who did what, keeps the text and offers to send anyway
    text = _text(held.text)
    assert held.status_code == 409
    assert re.search(rf"{blake.display_name} replied just now: We are restarting the printer now\.", text)
    assert f"{blake.display_name} changed the status: new → pending" in text
    assert "Please restart the printer.</textarea>" in unescape(held.text) and "Send anyway" in text
    with tenant_context(tenant):
        assert ticket.messages.count() == 2
    # and with htmx the composer comes back in the page body (200, so htmx swaps it in)
    htmx = client.post(f"/desk/tickets/{ticket.number}/reply/", reply, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "Send anyway" in htmx.text and "<html" not in htmx.text
    assert _seen(htmx.text) > seen
    # when they choose "Send anyway"
    sent = client.post(f"/desk/tickets/{ticket.number}/reply/", {**reply, "confirm_stale": "1"})
    # then the reply goes out
    assert sent.status_code == 302
    with tenant_context(tenant):
        assert ticket.messages.order_by("-id").first().body_text == "Please restart the printer."


def test_after_reading_the_changes_a_plain_send_goes_through(tenant, agent, blake, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    seen = _seen(client.get(f"/desk/tickets/{ticket.number}/").text)
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=blake, body="Customer called, they're fine")
    reply = {"kind": "reply", "body": "Glad it works.", "seen_event_id": seen}
    held = client.post(f"/desk/tickets/{ticket.number}/reply/", reply, HTTP_HX_REQUEST="true").text
    assert "added an internal note" in unescape(held)
    # when the agent presses Send again on the refreshed composer
    sent = client.post(f"/desk/tickets/{ticket.number}/reply/", {**reply, "seen_event_id": _seen(held)})
    assert sent.status_code == 302


def test_own_changes_and_no_changes_do_not_hold_the_reply(tenant, agent, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    seen = _seen(client.get(f"/desk/tickets/{ticket.number}/").text)
    # when the agent claims the ticket and adds a note after loading the page, then replies
    with tenant_context(tenant):
        services.claim(ticket=ticket, actor=agent)
    client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "note", "body": "n", "seen_event_id": seen})
    sent = client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "r", "seen_event_id": seen})
    # then nothing was held
    assert sent.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.messages.count() == 3 and ticket.status == Status.OPEN


def test_a_customer_reply_also_holds_the_agents_reply(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    seen = _seen(client.get(f"/desk/tickets/{ticket.number}/").text)
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=desk["contact"], body="Never mind, it works now!")
    held = client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "x", "seen_event_id": seen})
    assert held.status_code == 409 and "Never mind, it works now!" in unescape(held.text)


def test_a_rerendered_composer_always_knows_the_newest_event(tenant, agent, new_ticket):
    # given a reply refused for being empty, posted without seen_event_id (an old page, a script)
    ticket = new_ticket()
    response = host_client(tenant, agent).post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": " "})
    # then the composer that comes back carries the newest event, so its next send is not held for old history
    with tenant_context(tenant):
        newest = ticket.events.order_by("-id").first().pk
    assert response.status_code == 400 and _seen(response.text) == newest
