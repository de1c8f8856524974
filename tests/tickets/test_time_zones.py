"""Times in the reader's zone: a Berlin help desk sees 17:00 UTC as 18:00 CET in the desk, the portal and the mail
it sends; a person with a zone of their own sees theirs (tenancy.times)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tickets import clock, services
from tickets.models import Notification
from tickets.services import customer_mail
from tickets.services import notifications as notification_service

pytestmark = pytest.mark.django_db

# A winter date: Berlin is at UTC+1 (CET), New York at UTC-5 (EST).
FIVE_PM_UTC = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
BERLIN = "15 Jan 2026, 18:00 CET"
NEW_YORK = "15 Jan 2026, 12:00 EST"
UTC_LABEL = "15 Jan 2026, 17:00 UTC"


@pytest.fixture
def berlin(tenant):
    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    return tenant


@pytest.fixture
def pat(tenant, desk):
    """The requester, signed in to the portal as a customer."""
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    return member


def _ticket_opened_at_five_pm_utc(tenant, contact):
    with tenant_context(tenant), clock.replaying(FIVE_PM_UTC):
        return services.create_ticket(actor=contact, contact=contact, subject="Printer on fire", body="It burns.")


def _shown(page: str) -> str:
    """The page without its machine-readable instants (<time datetime="...">, UTC ISO 8601 by design)."""
    return re.sub(r'datetime="[^"]*"', "", page)


def _set_zone(member, zone: str) -> None:
    member.user.timezone = zone
    member.user.save(update_fields=["timezone"])


def test_desk_ticket_page_shows_times_in_the_tenants_zone(berlin, agent, desk):
    # given a Berlin help desk and a ticket opened at 17:00 UTC on a winter day
    ticket = _ticket_opened_at_five_pm_utc(berlin, desk["contact"])
    # when an agent without a zone of their own opens it
    page = host_client(berlin, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then the opening message says 18:00 CET on hover, and nowhere 17:00
    assert f'title="{BERLIN}"' in page
    assert "17:00" not in _shown(page)


def test_desk_ticket_page_shows_times_in_the_viewers_own_zone(berlin, agent, desk):
    # given the same ticket, and an agent who set New York as their own zone
    ticket = _ticket_opened_at_five_pm_utc(berlin, desk["contact"])
    _set_zone(agent, "America/New_York")
    # when they open it
    page = host_client(berlin, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then they see 12:00 EST, not the help desk's 18:00
    assert f'title="{NEW_YORK}"' in page
    assert "18:00" not in _shown(page)


def test_desk_ticket_page_of_a_utc_tenant_shows_utc(tenant, agent, desk):
    # given a help desk that kept the default zone
    ticket = _ticket_opened_at_five_pm_utc(tenant, desk["contact"])
    # when an agent opens the ticket
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then the time is UTC and says so
    assert f'title="{UTC_LABEL}"' in page


def test_portal_request_page_shows_times_in_the_tenants_zone(berlin, desk, pat):
    # given a Berlin help desk and Pat's request opened at 17:00 UTC
    ticket = _ticket_opened_at_five_pm_utc(berlin, desk["contact"])
    # when Pat opens it in the portal
    page = host_client(berlin, pat).get(f"/requests/{ticket.number}/").text
    # then the message's time is 18:00 CET
    assert f'title="{BERLIN}"' in page
    assert "17:00" not in _shown(page)


def test_portal_request_page_shows_times_in_the_customers_own_zone(berlin, desk, pat):
    # given Pat chose New York as their own zone
    ticket = _ticket_opened_at_five_pm_utc(berlin, desk["contact"])
    _set_zone(pat, "America/New_York")
    # when Pat opens the request
    page = host_client(berlin, pat).get(f"/requests/{ticket.number}/").text
    # then they see 12:00 EST
    assert f'title="{NEW_YORK}"' in page


def test_customer_mail_shows_the_time_in_the_tenants_zone(berlin, desk):
    # given a Berlin help desk and a ticket opened at 17:00 UTC
    ticket = _ticket_opened_at_five_pm_utc(berlin, desk["contact"])
    # when the requester is sent the acknowledgement
    with tenant_context(berlin):
        outbound = customer_mail.send_acknowledgement(ticket=ticket)
    # then both parts of the mail say 18:00 CET (a contact has no zone of its own)
    assert BERLIN in outbound.body_text
    assert BERLIN in outbound.body_html
    assert "17:00" not in outbound.body_text


def test_notification_mail_shows_the_time_in_the_recipients_zone(berlin, agent, desk, new_ticket):
    # given two agents of a Berlin help desk, one of them in New York, each assigned a ticket at 17:00 UTC
    colleague = make_member(berlin, "agent", "agent2@acme.example")
    _set_zone(colleague, "America/New_York")
    ticket = new_ticket()
    sent = {}
    for assignee in (colleague, agent):
        actor = agent if assignee is colleague else colleague
        with tenant_context(berlin):
            services.assign(ticket=ticket, assignee=assignee, actor=actor)
            notification = Notification.objects.get(recipient=assignee)
            Notification.objects.filter(pk=notification.pk).update(created_at=FIVE_PM_UTC)
        mail.outbox.clear()
        # when the notification is mailed
        with tenant_context(berlin):
            assert notification_service.send_notification_email(notification_id=notification.pk)
        sent[assignee.pk] = mail.outbox[0].body
    # then each reads the time in their own zone: New York's for the colleague, Berlin's for the other
    assert NEW_YORK in sent[colleague.pk]
    assert BERLIN in sent[agent.pk]
