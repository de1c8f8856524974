"""Every URL that names a ticket by its number answers only who may see that ticket: on the desk, an agent of
a tenant that limits agents to their teams' queues (`agents_see_all_tickets` off) gets a 404 for a ticket of
another team's queue; in the portal, a customer gets a 404 for someone else's request.

The URLs are read from the URL conf (tests/tenancy/crawl_objects.py), so a new page on a ticket (a routing, SLA or
knowledge-base fragment, an action) is covered the day it is added. The ticket exists in the tenant the attacker
belongs to, and a member who may see it reaches the same URL: only the visibility check can refuse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tenancy.crawl_objects import tenant_views
from tests.tenancy.test_role_gating import _min_role, _reached
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.models import Queue, Tag, Team, TeamMembership

TENANT_VIEWS = tenant_views()
# Staff URLs on one ticket that an agent may open: the ones the team limit applies to (supervisors see every queue).
AGENT_TICKET_URLS = sorted(
    name
    for name, (view, converters) in TENANT_VIEWS.items()
    if "number" in converters and _min_role(view) == Role.AGENT
)
# The portal's URLs on one request.
PORTAL_TICKET_URLS = sorted(
    name
    for name, (view, converters) in TENANT_VIEWS.items()
    if "number" in converters and _min_role(view) == Role.CUSTOMER
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(tenant, admin, desk, agent, new_ticket):
    """Acme limits agents to their teams. `agent` works Frontline (General); Billing is another team's queue,
    worked by Bea, with a tagged request of Pat's (a signed-in customer)."""
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        team = Team.objects.create(name="Billing")
        queue = Queue.objects.create(name="Billing", team=team)
    bea = make_member(tenant, Role.AGENT, "bea@acme.example")
    pat = make_member(tenant, Role.CUSTOMER, "pat@customer.example")
    with tenant_context(tenant):
        TeamMembership.objects.create(team=team, membership=bea)
        desk["contact"].membership = pat
        desk["contact"].save(update_fields=["membership"])
    ticket = new_ticket(subject="Salary of the board", queue=queue)
    with tenant_context(tenant):
        services.tag(ticket=ticket, names=["payroll"], actor=admin)
        tag = Tag.objects.get(name="payroll")
    return {"ticket": ticket, "tag": tag, "bea": bea, "pat": pat}


def _url(name: str, billing: dict) -> str:
    arguments = {"number": billing["ticket"].number, "tag_id": billing["tag"].pk}
    return reverse(name, urlconf="config.urls", kwargs={key: arguments[key] for key in TENANT_VIEWS[name][1]})


def _refused_where_reached(attacker, control, url: str) -> None:
    """The attacker gets a 404 for every method the view answers (the control's 405 marks one it does not), and
    the control reaches the view by one of them. The attacker goes first, so the control cannot have changed the
    ticket (a claim, a reply) before the attacker tries."""
    attempts = {"GET": attacker.get(url), "POST": attacker.post(url)}
    answers = {"GET": control.get(url), "POST": control.post(url)}
    expected = {method: 405 if answers[method].status_code == 405 else 404 for method in answers}
    assert {method: response.status_code for method, response in attempts.items()} == expected
    assert any(_reached(response) for response in answers.values())


def test_the_crawl_covers_the_newest_ticket_fragments():
    # the routing, SLA and knowledge-base pages on a ticket are among the URLs crawled
    assert {
        "desk:ticket",
        "desk:routing_ticket_panel",
        "desk:routing_assignment_reasons",
        "desk:sla_ticket_clocks",
        "kb:ticket_suggestions",
        "kb:ticket_link",
        "kb:ticket_flag",
        "kb:ticket_draft",
    } <= set(AGENT_TICKET_URLS)
    assert {"portal:request", "portal:reopen", "portal:rate_request"} <= set(PORTAL_TICKET_URLS)


@pytest.mark.parametrize("name", AGENT_TICKET_URLS)
def test_agent_gets_404_on_a_ticket_of_another_teams_queue(tenant, agent, billing, name):
    # given a Billing ticket, and an agent of this tenant outside the Billing team
    url = _url(name, billing)
    # when the agent opens the URL or posts to it
    # then the ticket does not exist for them, while Bea, of the Billing team, reaches the same URL: the ticket
    # exists, only the visibility check refused
    _refused_where_reached(host_client(tenant, agent), host_client(tenant, billing["bea"]), url)


@pytest.mark.parametrize("name", PORTAL_TICKET_URLS)
def test_customer_gets_404_on_someone_elses_request(tenant, billing, name):
    # given Pat's request, and another signed-in customer of the same tenant (of no organisation Pat is in)
    url = _url(name, billing)
    someone = make_member(tenant, Role.CUSTOMER, "someone@elsewhere.example")
    ContactFactory(tenant=tenant, email="someone@elsewhere.example", membership=someone)
    # when they open Pat's request or post to it
    # then it does not exist for them, while Pat reaches it
    _refused_where_reached(host_client(tenant, someone), host_client(tenant, billing["pat"]), url)
