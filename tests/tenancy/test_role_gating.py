"""Every tenant-host URL declares who may see it, and staff pages are never shown to customers or strangers.

The URLs that take an id get the id of an object that exists in the attacked tenant (tests/tenancy/crawl_objects.py),
and the tenant's admin reaching the same URL is the control: a refusal can only come from the role check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tenancy.crawl_objects import tenant_views


def _min_role(view):
    if hasattr(view, "min_role"):
        return view.min_role
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, "min_role", "undeclared")


TENANT_VIEWS = tenant_views()
GATED = sorted(name for name, (view, _) in TENANT_VIEWS.items() if _min_role(view) not in (None, "undeclared"))
STAFF_ONLY = sorted(name for name in GATED if Role(_min_role(TENANT_VIEWS[name][0])).is_staff)
# Pages a GET shows without needing a particular row to exist.
STAFF_PAGES = sorted(
    name for name in STAFF_ONLY
    if not TENANT_VIEWS[name][1] and "GET" in getattr(TENANT_VIEWS[name][0], "allowed_methods", {"GET"})
)  # fmt: skip
# Staff URLs that name a row (a ticket, a webhook, ...): the crawl world gives each the id of one that exists.
STAFF_OBJECTS = sorted(name for name in STAFF_ONLY if TENANT_VIEWS[name][1])
# Below each staff URL's minimum role, the lower staff roles (an agent on an admin's webhook).
BELOW_MINIMUM = sorted(
    (name, role)
    for name in STAFF_OBJECTS
    for role in (Role.AGENT, Role.SUPERVISOR)
    if not Role(role).at_least(_min_role(TENANT_VIEWS[name][0]))
)

# Pages and actions without an id (a settings page, publish, re-run, a subscription) below their minimum role.
BELOW_MINIMUM_PAGES = sorted(
    (name, role)
    for name in STAFF_ONLY
    if not TENANT_VIEWS[name][1]
    for role in (Role.AGENT, Role.SUPERVISOR)
    if not Role(role).at_least(_min_role(TENANT_VIEWS[name][0]))
)


def _reach(client, url: str):
    """GET the URL, or POST to it (with no data) when it answers only POST: a form's refusal shows the view ran
    on the object as well as a success would, and the test's transaction undoes whatever it did."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def _reached(response) -> bool:
    """The view ran on an existing object: neither a refusal (403), a missing row (404), nor an error."""
    if response.status_code in (403, 404, 405) or response.status_code >= 500:
        return False
    return not response.get("Location", "").startswith("/accounts/login/")


def test_every_tenant_view_declares_its_minimum_role():
    # given every view on a tenant host
    # when we read the role each declares (role_required / RoleRequiredMixin, or @public)
    undeclared = [name for name, (view, _) in TENANT_VIEWS.items() if _min_role(view) == "undeclared"]
    # then none is left to chance
    assert undeclared == ["healthz"]
    assert {"desk:home", "desk:dashboard", "desk:kb", "desk:settings", "desk:ticket", "desk:ticket_claim"} <= set(
        STAFF_ONLY
    )


# The role each of the newest pages is for (routing, SLA enforcement, reporting, knowledge base, custom fields):
# the crawl tests below hold every view to the role it declares, this holds the declarations to the design.
DESIGNED_ROLES = {
    Role.ADMIN: [
        "desk:routing_rules", "desk:routing_rule", "desk:routing_rule_move", "desk:routing_rule_toggle",
        "desk:routing_rule_delete", "desk:routing_publish", "desk:routing_test", "desk:routing_simulate",
        "desk:routing_rerun", "desk:routing_availability", "desk:sla_ladder", "desk:sla_ladder_step_remove",
        "desk:sla_automation", "desk:sla_policy_reapply", "desk:custom_fields", "desk:custom_field_new",
        "desk:custom_field_edit", "desk:custom_field_archive", "desk:custom_field_restore",
        "desk:custom_field_delete", "desk:custom_field_sort_index", "desk:tenant_time_zone", "desk:config_audit",
    ],
    Role.SUPERVISOR: [
        "desk:sla_at_risk", "desk:reports", "desk:report", "desk:report_tickets", "desk:report_subscription",
        "desk:dashboard_assign", "kb:stats",
    ],
    Role.AGENT: [
        "desk:routing_ticket_panel", "desk:routing_assignment_reasons", "desk:sla_ticket_clocks", "desk:dashboard",
        "desk:dashboard_panel", "desk:export_tickets", "desk:export_job", "desk:export_download",
        "desk:notification_settings", "desk:availability", "kb:ticket_suggestions", "kb:ticket_link",
        "kb:ticket_flag", "kb:ticket_draft",
    ],
}  # fmt: skip


def test_the_newest_pages_declare_the_role_the_design_gives_them():
    # when we read the role each of the newest pages declares
    declared = {name: _min_role(TENANT_VIEWS[name][0]) for names in DESIGNED_ROLES.values() for name in names}
    # then settings are for admins, reports and the At risk view for supervisors, a ticket's fragments for agents
    assert declared == {name: role for role, names in DESIGNED_ROLES.items() for name in names}


@pytest.mark.django_db
def test_every_url_that_takes_an_id_gets_one_of_an_existing_object(crawl_world):
    # given every gated URL that names a row (42 staff URLs, and the portal's)
    named = [name for name in GATED if TENANT_VIEWS[name][1]]
    # when the crawl world fills in their arguments
    urls = {name: crawl_world.url(name) for name in named}
    # then each gets one (a new URL with an argument the world does not know fails here, not silently later)
    assert len(STAFF_OBJECTS) >= 42 and set(STAFF_OBJECTS) <= set(urls)


@pytest.mark.django_db
@pytest.mark.parametrize("name", GATED)
def test_anonymous_is_sent_to_sign_in(crawl_world, name):
    # when someone not signed in opens a gated page of an existing object, or posts to it
    client = host_client(crawl_world.tenant)
    url = crawl_world.url(name)
    responses = [client.get(url), client.post(url)]
    # then they are redirected to the sign-in page, never shown the page or allowed the action
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_ONLY)
def test_customer_gets_404_on_staff_pages(crawl_world, name):
    # given a staff URL naming an existing object of the tenant (for one that takes an id)
    url = crawl_world.url(name)
    # when a customer of this tenant opens it or posts to it
    client = host_client(crawl_world.tenant, crawl_world.members["customer"])
    # then the page does not exist for them
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    # while the tenant's admin reaches the same URL: the object exists, only the role check refused
    assert _reached(_reach(host_client(crawl_world.tenant, crawl_world.members["admin"]), url))


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_ONLY)
def test_staff_of_another_tenant_gets_404(crawl_world, name):
    # given a staff URL naming an existing object of the attacked tenant
    url = crawl_world.url(name)
    # when an admin of another tenant, signed in on the attacked tenant's host, opens it or posts to it
    client = host_client(crawl_world.tenant, crawl_world.members["other_staff"])
    # then the attacked tenant has no such page for them
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    # while the attacked tenant's own admin reaches it
    assert _reached(_reach(host_client(crawl_world.tenant, crawl_world.members["admin"]), url))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), BELOW_MINIMUM)
def test_staff_below_the_minimum_role_are_refused_an_existing_object(crawl_world, name, role):
    # given an admin's (or supervisor's) URL naming an existing object, and a staff member of a lower role
    url = crawl_world.url(name)
    client = host_client(crawl_world.tenant, crawl_world.members[str(role)])
    # when they open it or post to it
    responses = [client.get(url), client.post(url)]
    # then the role check refuses them (403), while the admin reaches it
    assert [response.status_code for response in responses] == [403, 403]
    assert _reached(_reach(host_client(crawl_world.tenant, crawl_world.members["admin"]), url))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), BELOW_MINIMUM_PAGES)
def test_staff_below_the_minimum_role_are_refused_before_the_view_runs(crawl_world, name, role):
    # given an admin's (or supervisor's) page or action that names no row (publish, re-run, a settings form), and a
    # staff member of a lower role
    url = crawl_world.url(name)
    client = host_client(crawl_world.tenant, crawl_world.members[str(role)])
    # when they open it or post to it (a POST-only action included: the role is checked before the method)
    responses = [client.get(url), client.post(url)]
    # then the role check refuses both (403), while the admin reaches it
    assert [response.status_code for response in responses] == [403, 403]
    assert _reached(_reach(host_client(crawl_world.tenant, crawl_world.members["admin"]), url))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_see_exactly_the_pages_their_role_allows(tenant, role, name):
    # given a member with this role
    member = make_member(tenant, role, f"{role}@acme.example")
    needed = _min_role(TENANT_VIEWS[name][0])
    # when they open the page
    response = host_client(tenant, member).get(reverse(name, urlconf="config.urls"))
    # then they get it when their role is high enough, and a 403 otherwise
    assert response.status_code == (200 if Role(role).at_least(needed) else 403)


@pytest.mark.django_db
def test_navigation_shows_what_the_role_allows(tenant, agent, admin):
    # when an agent and an admin open the desk
    agent_page = host_client(tenant, agent).get("/desk/").text
    admin_page = host_client(tenant, admin).get("/desk/").text
    # then the agent's navigation has no settings nor reports (their dashboard of their own figures is there unless
    # the tenant turns it off: tests/reporting/test_agent_figures.py), the admin's has them all
    assert 'href="/desk/settings/"' not in agent_page and 'href="/desk/reports/"' not in agent_page
    assert 'href="/desk/settings/"' in admin_page and 'href="/desk/dashboard/"' in admin_page


@pytest.mark.django_db
def test_inactive_membership_is_treated_as_no_membership(tenant, agent):
    # given an agent whose membership was deactivated
    from tenancy.context import tenant_context

    with tenant_context(tenant):
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    # when they open the desk
    response = host_client(tenant, agent).get("/desk/")
    # then it is not there for them
    assert response.status_code == 404
