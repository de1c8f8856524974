"""What the ticket page keeps per process or in its cached timeline, and that it still shows what each view must:
the action URLs (per URLconf and script prefix), the times of the cached timeline (per view), the custom-field
inputs (per definitions and values)."""

from __future__ import annotations

import re
from datetime import datetime
from unittest import mock

import pytest
from django.test import override_settings
from django.test.utils import override_script_prefix
from django.urls import include, path
from django.utils import timezone

from config.urls import desk_patterns
from tenancy import times
from tenancy.context import tenant_context
from tenancy.templatetags.moments import when
from tests.conftest import host_client
from tests.tickets.conversations import printer_conversation
from tickets.custom_fields import page_inputs
from tickets.services import custom_fields as field_services
from tickets.services import update_ticket
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


# A test's URL conf that mounts the desk elsewhere.
urlpatterns = [path("help/desk/", include(desk_patterns))]


def test_action_urls_follow_a_url_conf_that_mounts_the_desk_elsewhere():
    # given the action URLs, reversed once
    before = ticket_views._action_urls()
    # when the desk is mounted elsewhere
    with override_settings(ROOT_URLCONF=__name__):
        moved = ticket_views._action_urls()
    # then the page's URL and its actions' are there, and where they were again afterwards
    assert moved[0] == ("", "/help/desk/tickets/", "/")
    assert ("reply", "/help/desk/tickets/", "/reply/") in moved
    assert before[0] == ("", "/desk/tickets/", "/")
    assert ticket_views._action_urls() == before


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


def test_custom_field_inputs_are_written_once_per_definitions_and_values(tenant, admin, agent, desk, new_ticket):
    # given a choice field, and two tickets holding different values of it
    with tenant_context(tenant):
        product = field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice", choices=[("cloud", "Cloud"), ("app", "App")]
        )
    cloud, app = new_ticket(), new_ticket()
    with tenant_context(tenant):
        update_ticket(ticket=cloud, changes={"custom_fields": {"product": "cloud"}}, actor=agent)
        update_ticket(ticket=app, changes={"custom_fields": {"product": "app"}}, actor=agent)
    client = host_client(tenant, agent)
    page_inputs._inputs.cache_clear()  # (another test's identical definitions would be found as they are)
    client.get(f"/desk/tickets/{cloud.number}/")
    # when the pages are viewed (one of them again)
    with mock.patch.object(page_inputs, "TicketCustomFieldsForm", wraps=page_inputs.TicketCustomFieldsForm) as built:
        again, other = (client.get(f"/desk/tickets/{t.number}/").text for t in (cloud, app))
    # then each selects its own value, and the inputs already written were not built again
    assert '<option value="cloud" selected>Cloud</option>' in again
    assert '<option value="app" selected>App</option>' in other and 'value="cloud" selected' not in other
    assert built.call_count == 1
    # when the admin renames the field and a choice
    with tenant_context(tenant):
        field_services.update_custom_field(
            actor=admin, field=product, label="Edition", type="choice", choices=[("cloud", "Hosted"), ("app", "App")]
        )
    page = client.get(f"/desk/tickets/{cloud.number}/").text
    # then the next view shows the new words
    assert '<label for="id_cf_product">Edition</label>' in page
    assert '<option value="cloud" selected>Hosted</option>' in page


def test_a_refused_note_keeps_its_message_type_and_errors(tenant, agent, desk, new_ticket):
    # given a ticket page
    ticket = new_ticket()
    client = host_client(tenant, agent)
    fresh = client.get(f"/desk/tickets/{ticket.number}/").text
    # when the agent sends an empty internal note (refused)
    refused = client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "note", "body": "  "}).text
    # then a fresh page offers a public reply, and the refused form keeps "Internal note" and says why
    reply_tab = 'name="kind" value="reply" id="id_kind_0"'
    assert f"{reply_tab} checked>" in fresh and 'value="note" id="id_kind_1">' in fresh
    assert 'name="kind" value="note" id="id_kind_1" checked> Internal note</label>' in refused
    assert f"{reply_tab}> Public reply</label>" in refused
    assert "Write something first." in refused
