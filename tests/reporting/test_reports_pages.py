"""The report pages: who may see them, that they show one tenant only (pages and CSV), their CSV, the drill-down
lists, and a fixed number of queries whatever the data."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reporting.reports.views import REPORTS
from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client, make_member
from tests.reporting.helpers import PERIOD
from tests.tickets.factories import ContactFactory, QueueFactory
from tickets import services

pytestmark = pytest.mark.django_db

QUERY = "start={start}&end={end}&interval={interval}".format(**PERIOD)


def report_url(slug: str, extra: str = "") -> str:
    return reverse("desk:report", args=[slug]) + "?" + QUERY + extra


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_report_page_shows_supervisor_the_report(known, supervisor, slug):
    # given a supervisor of the hand-built desk
    client = host_client(known["tenant"], supervisor)
    # when they open the report
    response = client.get(report_url(slug))
    # then it renders with its definitions and a chart or table
    assert response.status_code == 200
    assert "Definition." in response.content.decode()


def test_report_filters_left_unset_read_all(known, supervisor):
    # given a supervisor of the hand-built desk
    client = host_client(known["tenant"], supervisor)
    # when they open a report with no filter chosen
    page = client.get(report_url("volume")).content.decode()
    # then every filter menu offers "All" as its unset choice, never Django's row of dashes
    for name in ("queue", "team", "category", "channel", "priority", "organisation", "agent"):
        menu = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert '<option value="" selected>All</option>' in menu, name
    assert "---------" not in page


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_report_refuses_agents_and_customers(known, customer, slug):
    # given an agent and a customer of the same tenant
    agent_client = host_client(known["tenant"], known["ali"])
    customer_client = host_client(known["tenant"], customer)
    # when they ask for the report and its CSV
    # then the agent is refused (403) and, for a customer, the page does not exist (404)
    assert agent_client.get(report_url(slug)).status_code == 403
    assert agent_client.get(report_url(slug, "&format=csv")).status_code == 403
    assert customer_client.get(report_url(slug)).status_code == 404
    assert customer_client.get(report_url(slug, "&format=csv")).status_code == 404


def test_report_tickets_refuses_agents_and_customers(known, customer):
    url = reverse("desk:report_tickets") + "?" + QUERY + "&metric=created"
    assert host_client(known["tenant"], known["ali"]).get(url).status_code == 403
    assert host_client(known["tenant"], customer).get(url).status_code == 404


def test_report_csv_has_every_section_and_neutralises_formulas(known, supervisor):
    # given a queue whose name a spreadsheet would run as a formula, holding T5
    with tenant_context(known["tenant"]):
        known["billing"].name = "=HYPERLINK(1)"
        known["billing"].save(update_fields=["name"])
    client = host_client(known["tenant"], supervisor)
    # when the SLA report's CSV is downloaded
    response = client.get(report_url("sla", "&format=csv"))
    # then it is a CSV download in long format, with the queue's name made harmless
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["section", "row", "measure", "value"]
    assert ["Compliance per target", "First response", "Compliance", "75.0"] in rows
    assert ["Compliance per queue", "'=HYPERLINK(1)", "Breached", "2"] in rows


def test_volume_csv_matches_the_page(known, supervisor):
    client = host_client(known["tenant"], supervisor)
    rows = csv_rows(client.get(report_url("volume", "&format=csv")))
    assert ["Created, resolved and open over time", "Mon 13 Jan 2025", "Created", "3"] in rows
    assert ["Created, resolved and open over time", "Total", "Resolved", "3"] in rows


def test_report_shows_one_tenant_only_page_and_csv(known, supervisor, other_tenant):
    # given another tenant with many tickets created in the same days, in a queue of its own
    other_staff = make_member(other_tenant, "supervisor", "boss@globex.example")
    with tenant_context(other_tenant):
        queue = QueueFactory(tenant=other_tenant, name="Globex queue", is_default=True)
        contact = ContactFactory(tenant=other_tenant, email="x@globex.example")
    from tests.sla.conftest import berlin
    from tickets import clock

    for _ in range(7):
        with tenant_context(other_tenant), clock.replaying(berlin(2025, 1, 13, 9)):
            services.create_ticket(actor=contact, contact=contact, subject="Globex", body="b", queue=queue)
    client = host_client(known["tenant"], supervisor)
    # when acme's supervisor opens the volume report and its CSV
    page = client.get(report_url("volume")).content.decode()
    rows = csv_rows(client.get(report_url("volume", "&format=csv")))
    # then acme's figures are unchanged and globex's queue is nowhere
    assert ["Created, resolved and open over time", "Total", "Created", "4"] in rows
    assert "Globex queue" not in page
    # and pointing the filter at globex's queue is refused as an invalid choice, not answered with its data
    refused = client.get(report_url("volume", f"&queue={queue.pk}&format=csv"))
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert "Select a valid choice" in client.get(report_url("volume", f"&queue={queue.pk}")).content.decode()
    # and globex's own supervisor sees its 7 tickets only
    other_rows = csv_rows(host_client(other_tenant, other_staff).get(report_url("volume", "&format=csv")))
    assert ["Created, resolved and open over time", "Total", "Created", "7"] in other_rows


def test_report_tickets_lists_the_tickets_behind_a_count(known, supervisor):
    # given the quality report's reopen count (1: T2) links to a list
    client = host_client(known["tenant"], supervisor)
    url = reverse("desk:report_tickets") + "?" + QUERY + "&metric=reopened"
    # when the supervisor follows it
    page = client.get(url).content.decode()
    # then the list holds T2 only
    tenant = known["tenant"]
    assert tenant.format_ticket_number(known["t2"].number) in page
    for other in ("t1", "t3", "t4", "t5"):
        assert f">{tenant.format_ticket_number(known[other].number)}<" not in page


def test_report_counts_link_to_lists_of_that_many_tickets(known, supervisor):
    # given the volume page
    client = host_client(known["tenant"], supervisor)
    page = client.get(report_url("volume")).content.decode()
    # when the Monday "created" link is followed
    import re

    links = re.findall(
        r'href="(/desk/reports/tickets/\?[^"]*metric=created[^"]*from_time=2025-01-13T00%3A00[^"]*)"', page
    )
    assert links
    listed = client.get(links[0].replace("&amp;", "&"))
    # then it lists the three tickets created that day
    assert "Created: 3 tickets" in listed.content.decode()


def test_report_tickets_answers_a_bad_metric_with_a_message(known, supervisor):
    client = host_client(known["tenant"], supervisor)
    response = client.get(reverse("desk:report_tickets") + "?metric=nonsense")
    assert response.status_code == 400
    assert "does not name a report figure" in response.content.decode()


def test_report_tickets_refuses_filters_it_cannot_apply_instead_of_listing_other_tickets(
    known, supervisor, other_tenant
):
    # given a queue of another tenant (it exists: only the filter's tenant-scoped choices refuse it)
    with tenant_context(other_tenant):
        foreign = QueueFactory(tenant=other_tenant, name="Globex only")
    client = host_client(known["tenant"], supervisor)
    # when a drill-down link names it, or a period that ends before it starts
    for extra in (f"&queue={foreign.pk}", "&start=2025-02-01&end=2025-01-01"):
        response = client.get(reverse("desk:report_tickets") + "?" + QUERY + extra + "&metric=created")
        # then no list is shown under other filters than the link's, and the page says why
        page = response.content.decode()
        assert response.status_code == 400
        assert "This list cannot be shown" in page
        assert known["tenant"].format_ticket_number(known["t1"].number) not in page


def test_report_bad_dates_fall_back_with_a_message(known, supervisor):
    client = host_client(known["tenant"], supervisor)
    response = client.get(reverse("desk:report", args=["volume"]) + "?start=2025-02-01&end=2025-01-01")
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()


def test_unknown_report_is_404(known, supervisor):
    assert host_client(known["tenant"], supervisor).get(reverse("desk:report", args=["nope"])).status_code == 404


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_report_query_count_is_fixed(known, supervisor, slug):
    # given the report's query count over the hand-built desk
    client = host_client(known["tenant"], supervisor)
    before = count_queries(client, report_url(slug))
    # when many more tickets arrive, are answered, resolved and rated
    from tests.sla.conftest import berlin
    from tickets import clock
    from tickets.lifecycle import Status
    from tickets.services.satisfaction import rate_ticket

    contact = ContactFactory(tenant=known["tenant"], email="more@customer.example")
    for hour in range(9, 15):
        with tenant_context(known["tenant"]), clock.replaying(berlin(2025, 1, 15, hour)):
            ticket = services.create_ticket(actor=contact, contact=contact, subject="More", body="b")
            services.reply(ticket=ticket, actor=known["bea"], body="ok", status=Status.RESOLVED)
            rate_ticket(ticket=ticket, contact=contact, score=4, comment="fine")
    # then the page runs the same number of queries
    assert count_queries(client, report_url(slug)) == before


def test_report_tickets_query_count_is_fixed(known, supervisor):
    client = host_client(known["tenant"], supervisor)
    url = reverse("desk:report_tickets") + "?" + QUERY + "&metric=created"
    before = count_queries(client, url)
    contact = ContactFactory(tenant=known["tenant"], email="more@customer.example")
    from tests.sla.conftest import berlin
    from tickets import clock

    for hour in range(9, 15):
        with tenant_context(known["tenant"]), clock.replaying(berlin(2025, 1, 15, hour)):
            ticket = services.create_ticket(actor=contact, contact=contact, subject="More", body="b")
            services.assign(ticket=ticket, assignee=known["bea"], actor=known["bea"])
    assert count_queries(client, url) == before
