"""Every tenant-host URL declares who may see it, and staff pages are never shown to customers or strangers."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tenancy.roles import Role
from tests.conftest import host_client, make_member

SAMPLE_ARGUMENTS = {"int": 1, "slug": "mine", "str": "x", "string": "x", "path": "x"}  # <str:> is a StringConverter


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from ((name, view, {**entry.pattern.converters, **converters})
                        for name, view, converters in _walk(entry.url_patterns, prefix + namespace))  # fmt: skip
        elif isinstance(entry, URLPattern):
            yield (prefix + entry.name if entry.name else None), entry.callback, entry.pattern.converters


def _min_role(view):
    if hasattr(view, "min_role"):
        return view.min_role
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, "min_role", "undeclared")


TENANT_VIEWS = {name: (view, converters) for name, view, converters in _walk(get_resolver("config.urls").url_patterns)}
GATED = sorted(name for name, (view, _) in TENANT_VIEWS.items() if _min_role(view) not in (None, "undeclared"))
STAFF_ONLY = sorted(name for name in GATED if Role(_min_role(TENANT_VIEWS[name][0])).is_staff)
# Pages a GET shows without needing a particular row to exist.
STAFF_PAGES = sorted(
    name for name in STAFF_ONLY
    if not TENANT_VIEWS[name][1] and "GET" in getattr(TENANT_VIEWS[name][0], "allowed_methods", {"GET"})
)  # fmt: skip


def _url(name: str) -> str:
    converters = TENANT_VIEWS[name][1]
    kwargs = {key: SAMPLE_ARGUMENTS[type(conv).__name__.removesuffix("Converter").lower()]
              for key, conv in converters.items()}  # fmt: skip
    return reverse(name, urlconf="config.urls", kwargs=kwargs)


def test_every_tenant_view_declares_its_minimum_role():
    # given every view on a tenant host
    # when we read the role each declares (role_required / RoleRequiredMixin, or @public)
    undeclared = [name for name, (view, _) in TENANT_VIEWS.items() if _min_role(view) == "undeclared"]
    # then none is left to chance
    assert undeclared == ["healthz"]
    assert {"desk:home", "desk:dashboard", "desk:kb", "desk:settings", "desk:ticket", "desk:ticket_claim"} <= set(
        STAFF_ONLY
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", GATED)
def test_anonymous_is_sent_to_sign_in(tenant, name):
    # when someone not signed in opens a gated page, or posts to it
    client = host_client(tenant)
    responses = [client.get(_url(name)), client.post(_url(name))]
    # then they are redirected to the sign-in page, never shown the page or allowed the action
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_ONLY)
def test_customer_gets_404_on_staff_pages(tenant, customer, name):
    # when a customer of this tenant opens or posts to a staff page
    client = host_client(tenant, customer)
    # then the page does not exist for them
    assert client.get(_url(name)).status_code == 404
    assert client.post(_url(name)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_ONLY)
def test_staff_of_another_tenant_gets_404(tenant, other_agent, name):
    # when an agent of globex, signed in on acme's host, opens acme's staff pages
    response = host_client(tenant, other_agent).get(_url(name))
    # then acme has no such page for them
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_see_exactly_the_pages_their_role_allows(tenant, role, name):
    # given a member with this role
    member = make_member(tenant, role, f"{role}@acme.example")
    needed = _min_role(TENANT_VIEWS[name][0])
    # when they open the page
    response = host_client(tenant, member).get(_url(name))
    # then they get it when their role is high enough, and a 403 otherwise
    assert response.status_code == (200 if Role(role).at_least(needed) else 403)


@pytest.mark.django_db
def test_navigation_shows_what_the_role_allows(tenant, agent, admin):
    # when an agent and an admin open the desk
    agent_page = host_client(tenant, agent).get("/desk/").text
    admin_page = host_client(tenant, admin).get("/desk/").text
    # then the agent's navigation has no settings or dashboard, the admin's has both
    assert 'href="/desk/settings/"' not in agent_page and 'href="/desk/dashboard/"' not in agent_page
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
