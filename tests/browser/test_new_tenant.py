"""A new help desk in a real browser: a platform operator creates the tenant in the Django admin, its admin sets a
password and follows the checklist to invite an agent, the agent accepts the invitation and answers a customer's
portal request."""

from __future__ import annotations

import re
import shutil

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.roles import Role
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.tenancy.factories import make_platform_staff
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD = "initech-admin-passphrase"
AGENT_PASSWORD = "initech-agent-passphrase"


def _shot(page, name: str) -> None:
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def _on_live_server(live_server, link: str) -> str:
    """A link printed for the tenant's host (no port in tests) on the live server's port."""
    port = live_server.url.rsplit(":", 1)[1]
    return re.sub(r"^(https?://[^/:]+)", rf"\1:{port}", link)


def _context(browser):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def test_operator_creates_a_tenant_whose_admin_invites_an_agent_who_answers_a_request(browser, live_server):
    # given a platform operator
    make_platform_staff("ops@tessera.example", password="an-operator-passphrase")
    operator = _context(browser)

    # when they add a tenant in the platform admin
    operator.goto(f"{live_server.url}/admin/login/")
    operator.get_by_label("Email").fill("ops@tessera.example")
    operator.get_by_label("Password").fill("an-operator-passphrase")
    operator.get_by_role("button", name="Log in").click()
    operator.goto(f"{live_server.url}/admin/tenancy/tenant/add/")
    operator.get_by_label("Name").fill("Initech")
    operator.get_by_label("Slug").fill("initech")
    operator.get_by_label("Timezone").fill("Europe/Berlin")
    operator.get_by_label("First admin's email").fill("boss@initech.example")
    operator.get_by_role("button", name="Save", exact=True).click()
    # then the admin shows the link where the tenant's admin sets a password
    message = operator.locator(".messagelist").inner_text()
    set_password = re.search(r"http://initech\.localhost/accounts/password/reset/\S+", message).group(0)
    tenant = Tenant.objects.get(slug="initech")

    # when the tenant's admin sets a password and signs in
    boss = _context(browser)
    boss.goto(_on_live_server(live_server, set_password))
    boss.get_by_label("New password", exact=True).fill(ADMIN_PASSWORD)
    boss.get_by_label("New password confirmation").fill(ADMIN_PASSWORD)
    boss.get_by_role("button", name="Set password").click()
    boss.get_by_text("Your password is set").wait_for()
    sign_in(boss, live_server, tenant, "boss@initech.example", ADMIN_PASSWORD)

    # and follows the checklist to invite an agent
    boss.goto(tenant_url(live_server, tenant, "/desk/settings/setup/"))
    boss.get_by_role("link", name="Invite your agents").click()
    boss.wait_for_url("**/desk/settings/members/")
    invite = boss.locator("#invite")
    invite.get_by_label("Email").fill("milton@initech.example")
    invite.get_by_label("Role").select_option("agent")
    invite.get_by_role("button", name="Send invitation").click()
    boss.get_by_text("Invitation sent to milton@initech.example.").wait_for()
    _shot(boss, "members-page")
    # then the checklist ticks the step off
    boss.goto(tenant_url(live_server, tenant, "/desk/settings/setup/"))
    step = boss.locator(".checklist__item", has_text="Invite your agents")
    assert "checklist__item--done" in step.get_attribute("class")

    # when the agent opens the mailed link, sets a name and password
    sent = next(m for m in reversed(mail.outbox) if m.to == ["milton@initech.example"])
    link = re.search(r"http://initech\.localhost/accounts/invitation/\S+", sent.body).group(0)
    milton = _context(browser)
    milton.goto(_on_live_server(live_server, link))
    milton.get_by_role("heading", name="Join Initech").wait_for()
    _shot(milton, "invitation-accept")
    milton.get_by_label("Your name").fill("Milton Waddams")
    milton.get_by_label("Password", exact=True).fill(AGENT_PASSWORD)
    milton.get_by_label("Password again").fill(AGENT_PASSWORD)
    milton.get_by_role("button", name="Accept and sign in").click()
    # then they land on the desk, signed in
    milton.wait_for_url("**/desk/")
    milton.get_by_text("Welcome to Initech.").wait_for()

    # when a customer sends a request from the portal
    customer = _context(browser)
    customer.goto(tenant_url(live_server, tenant, "/new/"))
    customer.get_by_label("Your name").fill("Bill Lumbergh")
    customer.get_by_label("Your email").fill("bill@customer.example")
    customer.get_by_label("Topic").select_option(label="Account and access")
    customer.get_by_label("Subject").fill("Where is my stapler?")
    customer.get_by_label("Description").fill("It was on my desk yesterday.")
    customer.get_by_role("button", name="Send request").click()
    customer.wait_for_url("**/new/thanks/**")

    # and the agent claims and answers it
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
    milton.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    milton.get_by_role("button", name="Claim").click()
    milton.get_by_text("is yours").wait_for()
    composer = milton.locator("form.composer")
    composer.get_by_label("Message").fill("Your stapler is in the basement, next to the storage room.")
    composer.get_by_role("button", name="Send").click()
    milton.get_by_text("Reply sent.").wait_for()

    # then the request is answered by the invited agent
    with tenant_context(tenant):
        agent = Membership.objects.get(user__email="milton@initech.example")
        reply = Message.objects.filter(ticket=ticket, kind="reply", author_membership=agent).get()
        assert agent.role == Role.AGENT and "basement" in reply.body_html
