"""What the ticket page keeps per process or in its cached timeline, and that it still shows what each view must:
the action URLs (per URLconf and script prefix) and the times of the cached timeline (per view)."""

from __future__ import annotations

import re
from datetime import datetime
from unittest import mock

import pytest
from django.test.utils import override_script_prefix
from django.utils import timezone

from tenancy import times
from tenancy.templatetags.moments import when
from tests.conftest import host_client
from tests.tickets.conversations import printer_conversation
from tickets.views import ticket as ticket_views

pytestmark = pytest.mark.django_db


def test_action_urls_are_reversed_once_and_follow_the_script_prefix(tenant, agent, desk, new_ticket):
    # given two tickets, and the page of one of them viewed once
    first, second = new_ticket(), new_ticket()
    client = host_client(tenant, agent)
    client.get(f"/desk/tickets/{first.number}/")
    # when the other one's page is viewed
    with mock.patch.object(ticket_views, "reverse", wraps=ticket_views.reverse) as reverse:
        page = client.get(f"/desk/tickets/{second.number}/").text
        # (behind a script prefix, they are reversed for it, once)
        with override_script_prefix("/helpdesk/"):
            prefixed = client.get(f"/desk/tickets/{second.number}/").text
            client.get(f"/desk/tickets/{first.number}/")
    # then its actions post to its own URLs, reversed no more for it
    assert reverse.call_count == 1 + len(ticket_views.PAGE_ACTIONS)
    assert f'action="/desk/tickets/{second.number}/reply/"' in page
    assert f'hx-post="/desk/tickets/{second.number}/update/"' in page
    assert f'action="/helpdesk/desk/tickets/{second.number}/reply/"' in prefixed
    assert f'action="/desk/tickets/{first.number}/reply/"' in client.get(f"/desk/tickets/{first.number}/").text


def test_a_cached_timeline_writes_each_time_as_when_does(tenant, agent, desk, new_ticket):
    # given a ticket page viewed once (its timeline now cached)
    ticket = printer_conversation(tenant, agent, desk, new_ticket)[0]
    client = host_client(tenant, agent)
    cold = client.get(f"/desk/tickets/{ticket.number}/").text
    # when it is viewed again
    with mock.patch("tenancy.times.exact_label", wraps=times.exact_label) as exact:
        warm = client.get(f"/desk/tickets/{ticket.number}/").text
    # then the timeline's exact times come with the cached chunk (only the page's other times are worked out)
    in_timeline, on_page = _times(_timeline(warm)), _times(warm)
    assert in_timeline and exact.call_count <= len(on_page) - len(in_timeline)
    # and each of its times reads as `when` writes it, in the viewer's zone
    with timezone.override(times.zone_for(user=agent.user, tenant=tenant)):
        assert in_timeline == [when(datetime.fromisoformat(TIME.match(tag)[1])) for tag in in_timeline]
    assert _timeline(warm) == _timeline(cold)


TIME = re.compile(r'<time datetime="([^"]+)"[^>]*>[^<]*</time>')


def _times(html: str) -> list[str]:
    return [found[0] for found in TIME.finditer(html)]


def _timeline(page: str) -> str:
    start = page.index('<ol class="timeline">')
    return page[start : page.index("</ol>", start)]
