"""A person signs in on their tenant's host in a real browser and lands where their role belongs."""

import pytest

from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_signs_in_and_reaches_the_desk_then_signs_out(page, live_server, tenant, agent, admin):
    # when an agent signs in on acme's host
    sign_in(page, live_server, tenant, "agent@acme.example")
    # then they land on the desk, with the navigation their role allows
    page.wait_for_url("**/desk/")
    nav = page.locator("nav")
    assert nav.get_by_role("link", name="Queues", exact=True).is_visible()
    assert nav.get_by_role("link", name="Settings").count() == 0
    screenshot(page, "desk-agent")
    # and when they sign out, the desk is closed to them
    page.locator("summary", has_text="Agent").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto(tenant_url(live_server, tenant, "/desk/"))
    assert "/accounts/login/" in page.url


def test_customer_signs_in_to_the_branded_portal(page, live_server, tenant, customer):
    # when a customer signs in
    sign_in(page, live_server, tenant, "customer@acme.example")
    # then they are in Acme's portal and never see the desk
    page.wait_for_url(tenant_url(live_server, tenant, "/"))
    assert "Acme Corporation" in page.content()
    screenshot(page, "portal-customer")
    response = page.goto(tenant_url(live_server, tenant, "/desk/"))
    assert response.status == 404


def test_wrong_password_keeps_the_email_and_says_why(page, live_server, tenant, agent):
    page.goto(tenant_url(live_server, tenant, "/accounts/login/"))
    page.get_by_label("Email").fill("agent@acme.example")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("correct email and password").is_visible()
    assert page.get_by_label("Email").input_value() == "agent@acme.example"


def test_sign_in_page_works_on_a_phone(phone, live_server, tenant, admin):
    # when an admin signs in on a phone-sized screen
    sign_in(phone, live_server, tenant, "admin@acme.example")
    phone.wait_for_url("**/desk/")
    # then the page fits the screen without sideways scrolling
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(phone, "desk-admin-phone")
