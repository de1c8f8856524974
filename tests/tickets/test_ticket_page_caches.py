"""What the ticket page keeps per process, and that it still shows what each view must: the action URLs (per
URLconf and script prefix)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test.utils import override_script_prefix

from tests.conftest import host_client
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
