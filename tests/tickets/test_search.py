"""The desk's one search (tickets.search, tickets.selectors.search, /desk/search/): references only with the
tenant's own prefix, words with hyphens and dots, requesters by name and email, organisations, attachment names,
and only what the member may see (the hidden tickets exist in the same tenant and in another one, so only the
visibility rule keeps them out)."""

from __future__ import annotations

import pytest
from django.db import connection

from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client
from tests.tickets.factories import AttachmentFactory, ContactFactory, OrganisationFactory, TicketFactory
from tickets import services
from tickets.models import Queue, Team, TeamMembership
from tickets.search import matching_contacts, reference_number

pytestmark = pytest.mark.django_db


def _search(client, query: str):
    return client.get("/desk/search/", {"q": query})


def _results(page: str) -> str:
    """The results sections, without the title, header and search box that repeat the query."""
    return page.split('id="search-tickets"', 1)[1]


def test_reference_number_only_with_the_tenants_own_prefix():
    # given the prefix ACME, when queries are read, then only ACME-<n> (any case) is a reference
    assert reference_number("ACME-17", "ACME") == 17
    assert reference_number(" acme-17 ", "ACME") == 17
    assert reference_number("E-17", "ACME") is None
    assert reference_number("INV-2003", "ACME") is None
    assert reference_number("17", "ACME") is None
    assert reference_number("ACME-1" + "0" * 30, "ACME") is None


def test_search_error_code_finds_text_not_the_ticket_with_that_number(tenant, agent, desk, new_ticket):
    # given a ticket whose subject names the error code E-17, and a ticket numbered 17
    coded = new_ticket(subject="Printer shows error E-17 after the update")
    TicketFactory(tenant=tenant, number=17, subject="Seventeenth ticket", queue=desk["queue"], contact=desk["contact"])
    # when the agent searches for E-17
    response = _search(host_client(tenant, agent), "E-17")
    # then the page lists the coded ticket and does not jump to ticket 17
    assert response.status_code == 200
    assert "Printer shows error E-17" in response.text and f"ACME-{coded.number}" in response.text
    assert "Seventeenth ticket" not in response.text


def test_search_own_reference_opens_the_ticket(tenant, agent, desk, new_ticket):
    # given two tickets
    new_ticket(subject="First"), new_ticket(subject="Second")
    # when the agent searches for the second one's reference, in any case
    response = _search(host_client(tenant, agent), "acme-2")
    # then they land on its page
    assert response.status_code == 302 and response["Location"] == "/desk/tickets/2/"


@pytest.mark.parametrize("word", ["2.4.1", "INV-2003", "e-17"])
def test_search_words_with_hyphens_and_dots_in_messages(tenant, agent, desk, new_ticket, word):
    # given a ticket whose later message names a version, an invoice number and an error code
    ticket = new_ticket(subject="Export broken")
    new_ticket(subject="Unrelated request", body="Version 2 point 4 works fine; invoice 2003 paid.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Since 2.4.1 the export of INV-2003 fails with E-17.")
    # when the agent searches for one of them
    page = _search(host_client(tenant, agent), word).text
    # then that ticket is found, and the one with the same digits in other words is not
    assert "Export broken" in page and "Unrelated request" not in page


def test_search_by_requester_email_and_name(tenant, agent, desk, new_ticket):
    # given Dana's ticket that never mentions her address, and Pat's
    dana = ContactFactory(tenant=tenant, email="dana@newco.example", name="Dana Whitfield", organisation=None)
    new_ticket(subject="Laptop will not boot", body="It beeps twice.", contact=dana)
    new_ticket(subject="Pat's printer")
    client = host_client(tenant, agent)
    # when the agent searches for her address, in any case, and for her name
    by_email = _search(client, "Dana@NewCo.example").text
    by_name = _search(client, "whitfield").text
    # then her ticket and her contact are found, Pat's ticket is not
    for page in (by_email, by_name):
        assert "Laptop will not boot" in page and "Pat&#x27;s printer" not in page
        assert "dana@newco.example" in page and "Dana Whitfield" in page


def test_search_by_organisation_name(tenant, agent, desk, new_ticket):
    # given a requester of Newco Holdings
    newco = OrganisationFactory(tenant=tenant, name="Newco Holdings", domain="newco.example")
    sam = ContactFactory(tenant=tenant, email="sam@newco.example", name="Sam Ortiz", organisation=newco)
    new_ticket(subject="VPN drops", contact=sam)
    new_ticket(subject="Unrelated request")
    # when the agent searches for the organisation
    page = _search(host_client(tenant, agent), "newco holdings").text
    # then its people's tickets, the person and the organisation are found
    assert "VPN drops" in page and "Unrelated request" not in page
    assert "Sam Ortiz" in page and "Newco Holdings" in page


def test_search_by_attachment_name(tenant, agent, desk, new_ticket):
    # given a ticket with a crash report attached
    ticket = new_ticket(subject="App closes on start")
    new_ticket(subject="Unrelated request")
    AttachmentFactory(tenant=tenant, ticket=ticket, filename="crash-report-0931.log")
    # when the agent searches for part of the file name
    page = _search(host_client(tenant, agent), "crash-report-0931").text
    # then the ticket is found
    assert "App closes on start" in page and "Unrelated request" not in page


@pytest.fixture
def limited(tenant, admin, desk, new_ticket):
    """Acme limits agents to their teams; Billing is another team's queue, with a requester and an organisation
    only its tickets name."""
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        billing_team = Team.objects.create(name="Billing")
        TeamMembership.objects.create(team=billing_team, membership=admin)
        billing = Queue.objects.create(name="Billing", team=billing_team)
    secretco = OrganisationFactory(tenant=tenant, name="Zephyr Payroll Ltd")
    hidden_contact = ContactFactory(tenant=tenant, email="cfo@zephyr.example", name="Zoe Zephyr", organisation=secretco)
    hidden = new_ticket(subject="Zephyr salary run E-17", queue=billing, contact=hidden_contact)
    AttachmentFactory(tenant=tenant, ticket=hidden, filename="zephyr-payroll.xlsx")
    return {"hidden": hidden, "billing": billing}


@pytest.mark.parametrize("query", ["Zephyr", "E-17", "cfo@zephyr.example", "zephyr-payroll", "Zephyr Payroll Ltd"])
def test_search_never_shows_what_the_agent_may_not_see(
    tenant, other_tenant, agent, supervisor, desk, limited, new_ticket, query
):
    # given the hidden Billing ticket, and a ticket of another tenant that matches every query too
    other = ContactFactory(tenant=other_tenant, email="cfo@zephyr.example", name="Zoe Zephyr")
    with tenant_context(other_tenant):
        globex_queue = Queue.objects.create(name="Globex general", is_default=True)
        services.create_ticket(
            actor=other, contact=other, subject="Globex Zephyr E-17 zephyr-payroll", body="Zephyr Payroll Ltd",
            queue=globex_queue,
        )  # fmt: skip
    # when the limited agent and a supervisor of the same desk search
    seen_by_agent = _search(host_client(tenant, agent), query).text
    seen_by_supervisor = _search(host_client(tenant, supervisor), query).text
    # then the agent finds nothing of it: no ticket, requester or organisation; the supervisor finds the ticket
    hidden_link = f"/desk/tickets/{limited['hidden'].number}/"
    for secret in ("Zephyr salary run", "Zoe Zephyr", "Zephyr Payroll Ltd", hidden_link):
        assert secret not in _results(seen_by_agent)
    assert "Zephyr salary run" in seen_by_supervisor
    # and nobody sees the other tenant's ticket
    assert "Globex" not in seen_by_agent and "Globex" not in seen_by_supervisor


def test_search_reference_to_a_ticket_the_agent_may_not_see_is_not_opened(tenant, agent, desk, limited):
    # when the limited agent searches for the hidden ticket's reference
    response = _search(host_client(tenant, agent), f"ACME-{limited['hidden'].number}")
    # then they stay on the results, which show nothing of it
    assert response.status_code == 200 and "Zephyr" not in response.text


def test_search_box_is_on_every_desk_page(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    for url in ("/desk/", f"/desk/tickets/{ticket.number}/", "/desk/notifications/", "/desk/search/?q=x"):
        assert 'action="/desk/search/"' in client.get(url).text, url


def test_search_bad_input_is_a_page_not_an_error(tenant, agent, desk):
    client = host_client(tenant, agent)
    for query in ("", "   ", "\"'", "-", "a" * 500, "(((", "!:*", "acme-99999999999999999999999"):
        assert _search(client, query).status_code == 200, query


def _grow(tenant, desk, start: int, n: int) -> None:
    for i in range(start, start + n):
        contact = ContactFactory(tenant=tenant, name=f"Requester {i}", email=f"r{i}@grow.example")
        ticket = TicketFactory(tenant=tenant, number=1000 + i, subject=f"growth ticket {i}", queue=desk["queue"])
        ticket.contact = contact
        with tenant_context(tenant):
            ticket.save(update_fields=["contact"])
        AttachmentFactory(tenant=tenant, ticket=ticket, filename=f"growth-{i}.txt")


def test_search_page_queries_do_not_grow_with_rows(tenant, agent, desk):
    client = host_client(tenant, agent)
    url = "/desk/search/?q=growth"
    _grow(tenant, desk, 0, 2)
    few = count_queries(client, url)
    _grow(tenant, desk, 2, 12)
    assert "growth ticket 13" in client.get(url).text
    assert count_queries(client, url) == few


@pytest.mark.parametrize(("found", "shown"), [(30, "many"), (10, "10")])
def test_search_page_does_not_count_a_walked_search(tenant, other_tenant, agent, desk, monkeypatch, found, shown):
    from django.test.utils import CaptureQueriesContext

    import tickets.search

    # given tickets about a printer (another tenant's too), and a search the picker walks (common words)
    with tenant_context(tenant):
        TicketFactory.create_batch(found, tenant=tenant, queue=desk["queue"], subject="Printer jammed")
    with tenant_context(other_tenant):
        TicketFactory.create_batch(30, tenant=other_tenant, subject="Printer jammed")
    monkeypatch.setattr(tickets.search, "choose_strategy", lambda estimate: tickets.search.Strategy.WALK)
    client = host_client(tenant, agent)
    _search(client, "printer")  # the sidebar's counts, kept for a few seconds
    # when the agent searches
    with CaptureQueriesContext(connection) as captured:
        page = _search(client, "printer").text
    # then no statement counted the matches: more than the page shows are "many", fewer are counted as shown
    assert not any("count(*)" in q["sql"] for q in captured.captured_queries)
    assert f'<span class="count">{shown}</span>' in page
    assert ("All matches, with filters" in page) == (shown == "many")


def test_search_requesters_by_the_start_of_a_word_of_their_name_or_address(tenant, other_tenant):
    # given Dana in this tenant, and a namesake in another tenant
    with tenant_context(tenant):
        dana = ContactFactory(tenant=tenant, email="dana.whitfield@newco.example", name="Dana Whitfield")
        ContactFactory(tenant=tenant, email="pat@elsewhere.example", name="Pat Kim")
    with tenant_context(other_tenant):
        ContactFactory(tenant=other_tenant, email="dana.whitfield@newco.example", name="Dana Whitfield")
    with tenant_context(tenant):
        # when the desk looks requesters up by the start of words, in any order and case, or by the middle of one
        found = {query: set(matching_contacts(query)) for query in ("whit", "WHITFIELD dana", "newco", "dana.whit")}
        middle = set(matching_contacts("hitfield"))
        # then each start of a word finds her, and only her (the other tenant's Dana neither)
        assert all(contacts == {dana} for contacts in found.values()), found
        # and the middle of a word is no match on PostgreSQL (words, as helpdesks search people), a match on SQLite
        assert middle == (set() if connection.vendor == "postgresql" else {dana})


def test_search_requesters_words_follow_a_renamed_contact(tenant):
    # given a contact found by their name
    with tenant_context(tenant):
        contact = ContactFactory(tenant=tenant, email="lee@oldco.example", name="Lee Okafor")
        assert set(matching_contacts("okafor")) == {contact}
        # when their name and address change (an edit, or an erasure)
        contact.name, contact.email = "Lee Mensah", "lee@newco.example"
        contact.save(update_fields=["name", "email"])
        # then the new words find them and the old ones do not
        assert set(matching_contacts("mensah newco")) == {contact}
        assert set(matching_contacts("okafor")) == set() and set(matching_contacts("oldco")) == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security and GIN are PostgreSQL's")
def test_search_requesters_match_a_plain_column_an_index_can_answer_under_row_level_security(tenant):
    # given the tenant in scope (row-level security on)
    with tenant_context(tenant):
        # when the requesters of a word are looked up
        sql, _ = matching_contacts("whit").query.sql_with_params()
    # then the contacts are tested with `@@` (ts_match_vq, LEAKPROOF) on the stored words, which the GIN index
    # may answer before the policy; a function of a column (UPPER(name) LIKE ...) is not LEAKPROOF, so no index
    # could: every contact of the tenant would be read (47 ms at 54,000 contacts). Only the organisations, a few
    # per tenant, are still tested for a substring.
    assert '"search_vector" @@ (to_tsquery(' in sql, sql
    assert sql.count(" LIKE ") == 1 and "tickets_organisation" in sql.split(" LIKE ")[0].rsplit("FROM", 1)[1], sql
