"""Settings → Escalation tiers and Portal and tickets: a ladder of more than three tiers works end to end,
names follow renames, a tier with tickets cannot be removed; the portal's required fields and welcome text
take effect in the portal."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange
from tests.conftest import host_client
from tests.tickets.factories import CategoryFactory
from tickets import services
from tickets.models import Contact, EscalationTier, Ticket
from tickets.services.escalation_tiers import save_escalation_tiers
from tickets.services.portal_settings import update_portal_settings

pytestmark = pytest.mark.django_db

FIVE = ["Second line", "Specialists", "Engineering", "Vendor escalation", "Executive"]


def test_ticket_escalated_to_tier_four_shows_the_tiers_name_on_the_desk(tenant, admin, agent, new_ticket):
    # given a ladder of five tiers saved on the settings page
    form = {f"tier_{level}": name for level, name in enumerate(FIVE, start=1)}
    assert host_client(tenant, admin).post("/desk/settings/escalation/", form).status_code == 302
    ticket = new_ticket()
    # when an agent escalates a ticket to tier 4 through the service
    with tenant_context(tenant):
        services.escalate(ticket=ticket, level=4, actor=agent, reason="needs the vendor")
    # then the desk shows the tier's name, in the badge and in the history
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    assert '<span class="badge badge--danger">Vendor escalation</span>' in page
    assert "escalated the ticket to Vendor escalation" in page
    # and the API keeps the number
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).escalation_level == 4


def test_escalation_page_escalates_through_the_desk_form_to_a_new_tier(tenant, admin, agent, new_ticket):
    # given five tiers and a ticket
    with tenant_context(tenant):
        save_escalation_tiers(actor=admin, names=FIVE)
    ticket = new_ticket()
    # when an agent picks tier 5 in the ticket's escalation menu and chooses Update
    client = host_client(tenant, agent)
    page = client.get(f"/desk/tickets/{ticket.number}/").text
    assert '<option value="5">Executive</option>' in page
    client.post(
        f"/desk/tickets/{ticket.number}/update/",
        {"escalation_level": 5, "initial-escalation_level": 0, "status": ticket.status,
         "initial-status": ticket.status, "priority": ticket.priority, "initial-priority": ticket.priority,
         "queue": ticket.queue_id, "initial-queue": ticket.queue_id},
    )  # fmt: skip
    # then the ticket is at tier 5
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).escalation_level == 5


def test_renamed_tier_is_renamed_in_the_history(tenant, admin, agent, new_ticket):
    # given a ticket escalated to tier 1
    ticket = new_ticket()
    with tenant_context(tenant):
        save_escalation_tiers(actor=admin, names=["Second line"])
        services.escalate(ticket=ticket, level=1, actor=agent)
        # when an admin renames tier 1
        save_escalation_tiers(actor=admin, names=["Product specialists"])
    # then the ticket's history reads the new name
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    assert "escalated the ticket to Product specialists" in page and "Second line" not in page


def test_removing_a_tier_refused_while_a_ticket_sits_at_it(tenant, admin, agent, new_ticket):
    # given a ticket at tier 4 of five
    ticket = new_ticket()
    with tenant_context(tenant):
        save_escalation_tiers(actor=admin, names=FIVE)
        services.escalate(ticket=ticket, level=4, actor=agent)
    # when an admin cuts the ladder to three tiers
    form = {f"tier_{level}": name for level, name in enumerate(FIVE[:3], start=1)}
    response = host_client(tenant, admin).post("/desk/settings/escalation/", form)
    # then the page says why, and the five tiers stay
    assert response.status_code == 400
    assert "1 ticket is escalated to “Vendor escalation” or above" in response.text
    with tenant_context(tenant):
        assert EscalationTier.objects.count() == 5
        assert ConfigChange.objects.filter(area="tickets.escalation").count() == 1


def test_escalation_page_refuses_gaps_and_an_empty_ladder(tenant, admin):
    client = host_client(tenant, admin)
    # when tier 2 is left empty under a named tier 3
    gap = client.post("/desk/settings/escalation/", {"tier_1": "A", "tier_2": "", "tier_3": "C"})
    # and when no tier is named at all
    empty = client.post("/desk/settings/escalation/", {"tier_1": "", "tier_2": ""})
    # then both are refused with a message
    assert gap.status_code == 400 and "Name tier 2, or remove the tiers above it" in gap.text
    assert empty.status_code == 400 and "Keep at least one tier: name tier 1." in empty.text


def test_escalate_refuses_a_level_above_the_ladder(tenant, admin, agent, new_ticket):
    # given a ladder of two tiers
    ticket = new_ticket()
    with tenant_context(tenant):
        save_escalation_tiers(actor=admin, names=["Second line", "Management"])
        # when an agent escalates to level 3
        with pytest.raises(ServiceError, match=r"0 \(not escalated\) or one of the tiers: 1 \(Second line\)"):
            services.escalate(ticket=ticket, level=3, actor=agent)


def test_api_escalates_to_a_fourth_tier_by_number(tenant, admin, agent, new_ticket):
    # given four tiers and an agent's API key
    from tickets.services.api_keys import create_api_key

    ticket = new_ticket()
    with tenant_context(tenant):
        save_escalation_tiers(actor=admin, names=FIVE[:4])
        _, secret = create_api_key(actor=admin, name="Script", role="agent")
    client = host_client(tenant)
    # when the API sets escalation_level 4
    response = client.patch(
        f"/api/v1/tickets/{ticket.number}/",
        {"escalation_level": 4},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    # then it answers with the number
    assert response.status_code == 200, response.content
    assert response.json()["escalation_level"] == 4


# --- Portal and tickets ----------------------------------------------------------------------------------------------


def _request(**overrides) -> dict:
    data = {"name": "Robin", "email": "robin@example.com", "subject": "Help", "description": "Please help.",
            "category": "", "website": ""}  # fmt: skip
    return {**data, **overrides}


def test_required_topic_and_phone_are_refused_when_missing_and_kept_when_given(tenant, admin, desk):
    # given a public category, and an admin who requires a topic and a phone number
    billing = CategoryFactory(tenant=tenant, name="Billing")
    settings = {"welcome_text": "", "require_category": "on", "require_phone": "on", "reopen_window_days": 7}
    assert host_client(tenant, admin).post("/desk/settings/portal/", settings).status_code == 302
    client = host_client(tenant)
    # when a customer submits without either
    refused = client.post("/new/", _request())
    # then the form says what is missing and nothing is opened
    assert refused.status_code == 400
    assert "Choose the topic of your request." in refused.text
    assert "Give a phone number we can call you on." in refused.text
    with tenant_context(tenant):
        assert not Ticket.objects.exists()
    # and when they give both, the request is opened and the phone kept on their contact
    accepted = client.post("/new/", _request(category=billing.pk, phone="+44 20 7946 0000"))
    assert accepted.status_code == 302
    with tenant_context(tenant):
        assert Ticket.objects.get().category_id == billing.pk
        assert Contact.objects.get(email="robin@example.com").phone == "+44 20 7946 0000"
        tenant.refresh_from_db()
    assert tenant.reopen_window_days == 7


def test_required_phone_refused_by_the_service_whatever_the_form(tenant, admin, desk):
    # given a tenant that requires a phone number
    with tenant_context(tenant):
        update_portal_settings(
            tenant=tenant, actor=admin, reopen_window_days=7, welcome_text="", require_category=False,
            require_phone=True,
        )  # fmt: skip
        # when a request comes without one straight to the service
        with pytest.raises(ServiceError, match="Give a phone number"):
            services.portal.submit_request(email="a@example.com", name="A", subject="Hi", description="Hello")


def test_welcome_text_is_shown_on_the_portal_home(tenant, admin, desk):
    # given a welcome text with a line break and markup
    settings = {"welcome_text": "We answer within a day.\n<b>Not bold</b>", "reopen_window_days": 7}
    assert host_client(tenant, admin).post("/desk/settings/portal/", settings).status_code == 302
    # when a visitor opens the portal
    home = host_client(tenant).get("/").text
    # then the text is there, escaped, its line break kept
    assert "We answer within a day.<br>&lt;b&gt;Not bold&lt;/b&gt;" in home


def test_portal_settings_page_refuses_a_negative_reopen_window(tenant, admin):
    response = host_client(tenant, admin).post("/desk/settings/portal/", {"reopen_window_days": -1})
    assert response.status_code == 400 and "greater than or equal to 0" in response.text


def test_portal_settings_are_admin_only(tenant, supervisor):
    assert host_client(tenant, supervisor).get("/desk/settings/portal/").status_code == 403
