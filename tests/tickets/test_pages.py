"""The queue and ticket pages: visibility, actions through htmx and plain forms, attachments, hostile
content, and a query count that does not grow with rows."""

from html.parser import HTMLParser

import pytest

from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client, make_member
from tests.tenancy.factories import MembershipFactory
from tests.tickets.factories import ContactFactory, TicketFactory
from tests.tickets.ticket_forms import update_form
from tickets import services, timeline_html
from tickets.lifecycle import Status
from tickets.models import Category, OutboundEmail, Queue, Team, Ticket
from tickets.services import Upload, customer_mail

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


@pytest.mark.django_db
def test_queue_page_lists_filters_and_sorts(tenant, agent, desk, new_ticket):
    # given three tickets, one urgent and one resolved
    _first, second, third = new_ticket(subject="Alpha login"), new_ticket(subject="Beta invoice"), new_ticket()
    with tenant_context(tenant):
        services.change_priority(ticket=second, priority=4, actor=agent)
        services.change_status(ticket=third, status=Status.RESOLVED, actor=agent)
    client = host_client(tenant, agent)
    # when the agent opens the queue, then filters and sorts it
    page = client.get(f"/desk/queues/{desk['queue'].pk}/").text
    by_priority = client.get("/desk/views/all/?sort=priority").text
    searched = client.get("/desk/views/all/?q=invoice").text
    resolved = client.get("/desk/views/all/?status=resolved").text
    # then the queue shows open tickets, and the filters narrow and order them
    assert "Alpha login" in page and "Beta invoice" in page and "ACME-3" not in page
    assert by_priority.index("Beta invoice") < by_priority.index("Alpha login")
    assert "Beta invoice" in searched and "Alpha login" not in searched
    assert "ACME-3" in resolved and "Alpha login" not in resolved


@pytest.mark.django_db
def test_search_by_ticket_reference(tenant, agent, desk, new_ticket):
    new_ticket(subject="First"), new_ticket(subject="Second")
    page = host_client(tenant, agent).get("/desk/views/all/?q=ACME-2").text
    assert "Second" in page and ">First<" not in page


@pytest.mark.django_db
def test_htmx_filter_returns_only_the_results(tenant, agent, desk, new_ticket):
    new_ticket()
    response = host_client(tenant, agent).get("/desk/views/all/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"') and "<html" not in response.text
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_agent_works_a_ticket_through_the_page(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    url = f"/desk/tickets/{ticket.number}/"
    # when the agent claims, notes, replies and resolves through the page's forms
    assert client.post(url + "claim/").status_code == 302
    htmx = client.post(url + "reply/", {"kind": "note", "body": "internal only"}, HTTP_HX_REQUEST="true")
    client.post(url + "reply/", {"kind": "reply", "body": "Fixed it", "status": "resolved"})
    # then the htmx answer is the page body, and the ticket changed through the services
    assert htmx.status_code == 200 and 'id="ticket-main"' in htmx.text and "internal only" in htmx.text
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.status) == (agent, Status.RESOLVED)
        assert list(ticket.messages.values_list("kind", flat=True).order_by("id")) == ["reply", "note", "reply"]


@pytest.mark.django_db
def test_refused_actions_show_a_clear_message_and_change_nothing(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.CLOSED, actor=agent)
    client = host_client(tenant, agent)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    url = f"/desk/tickets/{ticket.number}/update/"
    response = client.post(url, update_form(ticket, status="open"), follow=True)
    assert "Closed tickets are final" in response.text
    bad = client.post(url, update_form(ticket, priority="99"), follow=True)
    assert bad.status_code == 200 and "Select a valid choice" in bad.text
    empty = client.post(f"/desk/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "  "})
    assert empty.status_code == 400
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


@pytest.mark.django_db
def test_agent_logs_a_phone_ticket_for_a_contact(tenant, agent, desk):
    client = host_client(tenant, agent)
    response = client.post(
        "/desk/tickets/new/",
        {"email": "caller@example.org", "name": "Cal Ler", "channel": "phone", "subject": "Called about VPN",
         "body": "Cannot connect", "priority": "3"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        assert (ticket.channel, ticket.contact.email, ticket.priority) == ("phone", "caller@example.org", 3)
    missing = client.post("/desk/tickets/new/", {"subject": "x", "body": "y", "channel": "phone", "priority": "2"})
    assert missing.status_code == 400 and "email address or phone number" in missing.text
    assert 'value="x"' in missing.text  # what was typed is kept


@pytest.mark.django_db
def test_agents_limited_to_their_teams_see_only_their_queues(tenant, agent, supervisor, desk, new_ticket):
    # given a tenant that limits agents to their teams, and a ticket in another team's queue
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])
    with tenant_context(tenant):
        other_queue = Queue.objects.create(name="Secret", team=Team.objects.create(name="Other"))
    hidden = new_ticket(subject="Hidden one", queue=other_queue)
    mine = new_ticket(subject="Visible one")
    agent_client, supervisor_client = host_client(tenant, agent), host_client(tenant, supervisor)
    # then the agent neither lists nor opens it (404 by URL), while the supervisor does both
    listing = agent_client.get("/desk/views/all/").text
    assert "Visible one" in listing and "Hidden one" not in listing
    assert agent_client.get(f"/desk/tickets/{hidden.number}/").status_code == 404
    assert agent_client.post(f"/desk/tickets/{hidden.number}/claim/").status_code == 404
    assert agent_client.get(f"/desk/queues/{other_queue.pk}/").status_code == 404
    assert agent_client.get(f"/desk/tickets/{mine.number}/").status_code == 200
    assert supervisor_client.get(f"/desk/tickets/{hidden.number}/").status_code == 200


@pytest.mark.django_db
def test_a_ticket_number_no_ticket_can_have_is_a_404(tenant, agent, desk, new_ticket):
    new_ticket()
    client = host_client(tenant, agent)
    for number in (0, 2**63, 10**30):  # none, and beyond the column's range (no statement can ask for it)
        assert client.get(f"/desk/tickets/{number}/").status_code == 404


@pytest.mark.django_db
def test_another_tenants_ticket_is_a_404(tenant, other_tenant, agent, other_agent, desk, new_ticket):
    ticket = new_ticket()
    assert host_client(other_tenant, other_agent).get(f"/desk/tickets/{ticket.number}/").status_code == 404


@pytest.mark.django_db
def test_attachments_are_served_only_to_those_who_may_see_them(
    tenant, other_tenant, agent, other_agent, desk, new_ticket
):
    # given an attachment on acme's ticket
    ticket = new_ticket(uploads=[Upload(name="../../shot.png", content=PNG), Upload(name="a.txt", content=b"notes")])
    with tenant_context(tenant):
        image, text = (
            ticket.attachments.get(content_type="image/png"),
            ticket.attachments.get(content_type="text/plain"),
        )
    # when acme's agent downloads them
    response = host_client(tenant, agent).get(f"/attachments/{image.pk}/")
    text_response = host_client(tenant, agent).get(f"/attachments/{text.pk}/")
    # then they come as downloads, never sniffed, non-images sandboxed
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith('attachment; filename="shot.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert text_response["Content-Security-Policy"].startswith("sandbox")
    assert image.file.name.startswith(f"tenants/{tenant.pk}/attachment/") and "shot" not in image.file.name
    # and globex's agent, a stranger and a customer who is not on the ticket get a 404
    assert host_client(other_tenant, other_agent).get(f"/attachments/{image.pk}/").status_code == 404
    assert host_client(tenant, other_agent).get(f"/attachments/{image.pk}/").status_code == 404
    outsider = make_member(tenant, "customer", "outsider@acme.example")
    assert host_client(tenant, outsider).get(f"/attachments/{image.pk}/").status_code == 404


@pytest.mark.django_db
def test_requester_can_download_public_attachments_of_their_ticket(tenant, agent, desk, new_ticket):
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    ticket = new_ticket(uploads=[Upload(name="log.txt", content=b"log")])
    with tenant_context(tenant):
        note = services.add_note(
            ticket=ticket, actor=agent, body="internal", uploads=[Upload(name="x.txt", content=b"x")]
        )
        public, internal = ticket.attachments.get(message__kind="reply"), note.attachments.get()
    client = host_client(tenant, member)
    assert client.get(f"/attachments/{public.pk}/").status_code == 200
    assert client.get(f"/attachments/{internal.pk}/").status_code == 404


@pytest.mark.django_db
def test_ticket_page_lists_each_messages_attachments(tenant, agent, desk, new_ticket):
    # given a ticket whose first message and a note carry files, and a reply that carries none
    ticket = new_ticket(uploads=[Upload(name="shot.png", content=PNG)])
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="No files here")
        log_file = Upload(name="log.txt", content=b"x")
        note = services.add_note(ticket=ticket, actor=agent, body="Logs", uploads=[log_file])
        shot, log = ticket.attachments.get(filename="shot.png"), note.attachments.get()
    # when the agent opens it
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then each file is listed under its own message, and the reply lists none
    assert page.count('<ul class="attachments">') == 2
    assert f'href="/attachments/{shot.pk}/"' in page
    assert f'href="/attachments/{log.pk}/"' in page


@pytest.mark.django_db
def test_uploads_are_checked_by_their_bytes(tenant, desk, new_ticket):
    with pytest.raises(services.ServiceError, match="not a file type"):
        new_ticket(uploads=[Upload(name="invoice.pdf", content=b"MZ\x90\x00" + b"\x00" * 100)])
    with pytest.raises(services.ServiceError, match="larger than"):
        new_ticket(uploads=[Upload(name="big.txt", content=b"a" * (tenant.max_attachment_mb * 1024 * 1024 + 1))])


class _LiveMarkup(HTMLParser):
    """Collect what a browser would run or load from a page: inline scripts, event handlers, javascript: URLs,
    frames."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self._in_script = True
        if tag in ("iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")

    def handle_data(self, data):
        if self._in_script and "alert" in data:
            self.found.append(f"script: {data[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def live_markup(page: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(page)
    return parser.found


HOSTILE = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    '"><iframe src="javascript:alert(3)">',
]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_html_is_neutralised_everywhere_it_is_shown(tenant, agent, desk, payload):
    # given a requester name, subject, body, note, tag and attachment name that carry a payload
    contact = ContactFactory(tenant=tenant, name=payload, email="evil@example.org")
    with tenant_context(tenant):
        ticket = services.create_ticket(
            actor=contact, contact=contact, subject=payload, body=payload, tags=[payload],
            uploads=[Upload(name=payload + ".txt", content=b"x")],
        )  # fmt: skip
        services.add_note(ticket=ticket, actor=agent, body=payload)
    client = host_client(tenant, agent)
    # when the agent opens the lists and the ticket
    pages = [client.get(url).text for url in (f"/desk/tickets/{ticket.number}/", "/desk/views/all/")]
    # then nothing of it is live markup: it shows as text
    for page in pages:
        assert live_markup(page) == []
    assert "alert(" in pages[0]


def _grow(tenant, agent, desk, tickets: int, messages: int):
    with tenant_context(tenant):
        contact = desk["contact"]
        for index in range(tickets):
            ticket = services.create_ticket(
                actor=contact, contact=contact, subject=f"T{index}", body="x", tags=["a", f"t{index}"],
                uploads=[Upload(name="a.txt", content=b"a")],
            )  # fmt: skip
            for m in range(messages):
                services.reply(ticket=ticket, actor=agent, body=f"m{m}", uploads=[Upload(name="b.txt", content=b"b")])
                services.add_note(ticket=ticket, actor=agent, body="n")
        services.claim(ticket=ticket, actor=agent)
        return ticket


@pytest.mark.django_db
def test_queue_page_queries_do_not_grow_with_rows(tenant, agent, desk):
    client = host_client(tenant, agent)
    _grow(tenant, agent, desk, tickets=2, messages=0)
    urls = ["/desk/views/all/", f"/desk/queues/{desk['queue'].pk}/", "/desk/views/all/?q=T1&sort=updated"]
    few = [count_queries(client, url) for url in urls]
    _grow(tenant, agent, desk, tickets=12, messages=0)
    many = [count_queries(client, url) for url in urls]
    assert few == many


@pytest.mark.django_db
def test_queue_longer_than_a_page_is_counted_in_the_rows_statement(tenant, other_tenant, agent, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given 55 open tickets in the queue, and another tenant's tickets in a queue of its own
    with tenant_context(tenant):
        for _ in range(55):
            TicketFactory(tenant=tenant, queue=desk["queue"], contact=desk["contact"])
    with tenant_context(other_tenant):
        TicketFactory.create_batch(3, tenant=other_tenant)
    client = host_client(tenant, agent)
    url = f"/desk/queues/{desk['queue'].pk}/"
    client.get(url)  # the sidebar's counts, kept for a few seconds
    # when the first page is shown again
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).text
    # then it says how many there are, without a statement of its own to count them
    assert "1\u201350 of 55" in page
    assert not any(q["sql"].startswith("SELECT (SELECT count(*)") for q in captured.captured_queries)
    assert sum("count(*)" in q["sql"] for q in captured.captured_queries) == 1
    # and the second page, which shows the end, says the same
    assert "51\u201355 of 55" in client.get(f"{url}?page=2").text


@pytest.mark.django_db
def test_walked_search_is_not_counted_past_its_page(tenant, other_tenant, agent, desk, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import tickets.search

    # given 55 tickets about a printer (another tenant's too), and a search the picker walks (common words)
    with tenant_context(tenant):
        for _ in range(55):
            TicketFactory(tenant=tenant, queue=desk["queue"], contact=desk["contact"], subject="Printer jammed")
    with tenant_context(other_tenant):
        TicketFactory.create_batch(3, tenant=other_tenant, subject="Printer jammed")
    monkeypatch.setattr(tickets.search, "choose_strategy", lambda estimate: tickets.search.Strategy.WALK)
    client = host_client(tenant, agent)
    url = "/desk/views/all/?q=printer"
    client.get(url)  # the sidebar's counts, kept for a few seconds
    # when the first page of results is shown
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).text
    # then it says there are many, offers them all to a bulk action, and ran no count of them
    assert "1\u201350 of many" in page and "Select all matching tickets" in page
    assert not any("count(*)" in q["sql"] for q in captured.captured_queries)
    # and the second page, which shows the end, says how many there are
    assert "51\u201355 of 55" in client.get(f"{url}&page=2").text


@pytest.mark.django_db
def test_ticket_page_queries_do_not_grow_with_messages(tenant, agent, desk):
    client = host_client(tenant, agent)
    small = _grow(tenant, agent, desk, tickets=1, messages=1)
    large = _grow(tenant, agent, desk, tickets=1, messages=12)
    with tenant_context(tenant):
        services.link(ticket=large, other=small, actor=agent)
        services.add_participant(ticket=large, contact=ContactFactory(tenant=tenant), actor=agent)
        services.add_participant(ticket=small, contact=ContactFactory(tenant=tenant), actor=agent)
        # every reply was mailed to the requester, the mails failed, and acknowledgement and status mails show too
        assert OutboundEmail.objects.filter(ticket=large).count() == 12
        OutboundEmail.objects.filter(ticket=large).update(status=OutboundEmail.Status.FAILED, last_error="refused")
        customer_mail.send_acknowledgement(ticket=large)
        services.change_status(ticket=large, status="pending", actor=agent)
    assert count_queries(client, f"/desk/tickets/{small.number}/") == count_queries(
        client, f"/desk/tickets/{large.number}/"
    )


@pytest.mark.django_db
def test_timeline_describes_events_with_current_names(tenant, agent, supervisor, desk, new_ticket):
    # given changes recorded as ids and codes
    ticket = new_ticket()
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing")
        services.move_to_queue(ticket=ticket, queue=billing, actor=agent)
        services.change_priority(ticket=ticket, priority=4, actor=agent)
        services.assign(ticket=ticket, assignee=supervisor, actor=agent)
        services.tag(ticket=ticket, names=["refund"], actor=agent)
        billing.name = "Billing and refunds"
        billing.save(update_fields=["name"])
    # when the ticket page is shown
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then the trail reads in words, with today's names
    assert "changed the queue: General → Billing and refunds" in page
    assert "changed the priority: normal → urgent" in page
    assert f"assigned the ticket to {supervisor.display_name}" in page
    assert "added the tag refund" in page


@pytest.mark.django_db
def test_timeline_names_listed_things_from_the_tenants_lists(tenant, other_tenant, agent, supervisor, desk, new_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a trail naming a queue, a category, a tier, a colleague and a former colleague
    ticket = new_ticket()
    with tenant_context(other_tenant):
        Queue.objects.create(name="Their queue")  # another tenant's lists name nothing here
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing")
        hardware = Category.objects.create(name="Hardware")
        leaver = MembershipFactory(tenant=tenant, role="agent", user__full_name="Lee Leaver")
        services.move_to_queue(ticket=ticket, queue=billing, actor=agent)
        services.update_ticket(ticket=ticket, changes={"category": hardware}, actor=agent)
        services.escalate(ticket=ticket, level=1, actor=agent)
        services.assign(ticket=ticket, assignee=leaver, actor=agent)
        services.assign(ticket=ticket, assignee=supervisor, actor=agent)
        leaver.is_active = False
        leaver.save(update_fields=["is_active"])
    client = host_client(tenant, agent)
    client.get(f"/desk/tickets/{ticket.number}/")  # the tenant's lists read once
    # when the page is shown again, its timeline rendered afresh (tickets.timeline_html would keep it otherwise)
    with tenant_context(tenant):
        timeline_html.forget_ticket(ticket_id=ticket.pk, tenant_id=tenant.pk)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/desk/tickets/{ticket.number}/").text
    # then the trail names them all, and only the former colleague (not in the staff list) was looked up
    assert "changed the queue: General → Billing" in page
    assert "Hardware" in page
    assert f"assigned the ticket to {supervisor.display_name}" in page and "Lee Leaver" in page
    tables = ("tickets_queue", "tickets_team", "tickets_category", "tickets_escalationtier", "tenancy_membership")
    looked_up = [
        table
        for q in captured.captured_queries
        for table in tables
        # by id, as name_lookup asked for each kind; the tiers all at once
        if q["sql"].startswith(f'SELECT "{table}".')
        and (f'"{table}"."id" IN (' in q["sql"] or table == "tickets_escalationtier")
    ]
    assert looked_up == ["tenancy_membership"]


@pytest.mark.django_db
def test_timeline_names_people_who_left_and_people_copied(tenant, agent, desk, new_ticket):
    # given a reply by an agent who has since left, and one by someone copied on the ticket
    ticket = new_ticket()
    with tenant_context(tenant):
        leaver = MembershipFactory(tenant=tenant, role="agent", user__full_name="Lee Leaver")
        services.reply(ticket=ticket, actor=leaver, body="Before I go")
        leaver.is_active = False
        leaver.save(update_fields=["is_active"])
        copied = ContactFactory(tenant=tenant, name="Casey Copied", email="casey@customer.example")
        services.add_participant(ticket=ticket, contact=copied, actor=agent)
        services.reply(ticket=ticket, actor=copied, body="Me too")
    # when an agent opens the ticket
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then both are named, as is the requester
    authors = page.count('class="message__author">Lee Leaver<'), page.count('class="message__author">Casey Copied<')
    assert authors == (1, 1)
    assert 'class="message__author">Pat Requester<' in page


@pytest.mark.django_db
def test_filter_by_tag_organisation_and_requester(tenant, agent, desk, new_ticket):
    # given tickets from two organisations, one tagged
    from tests.tickets.factories import OrganisationFactory

    northwind = OrganisationFactory(tenant=tenant, name="Northwind")
    tagged = new_ticket(subject="Tagged one", tags=["Refund"])
    other = new_ticket(subject="Northwind one", contact=ContactFactory(tenant=tenant, organisation=northwind))
    client = host_client(tenant, agent)
    # when the agent filters by each
    by_tag = client.get("/desk/views/all/?tag=refund").text
    by_org = client.get("/desk/views/all/?organisation=northwind").text
    by_requester = client.get(f"/desk/views/all/?contact={other.contact.email.upper()}").text
    # then each narrows to the right ticket
    assert "Tagged one" in by_tag and "Northwind one" not in by_tag
    assert "Northwind one" in by_org and "Tagged one" not in by_org
    assert "Northwind one" in by_requester and tagged.subject not in by_requester


@pytest.mark.django_db
def test_sidebar_counts_are_reused_briefly_and_recounted_for_new_lists(tenant, agent, desk, new_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    new_ticket()
    client = host_client(tenant, agent)
    cold = count_queries(client, "/desk/views/all/")
    with CaptureQueriesContext(connection) as warm:
        page = client.get("/desk/views/all/").text
    # a second load within seconds reuses the counts (no counting query), and they are still right
    assert not any("count(*)" in q["sql"] and "queue_id" in q["sql"] for q in warm.captured_queries)
    assert len(warm) < cold
    assert "All tickets" in page
    # a new queue changes what is counted, so the next load counts again
    with tenant_context(tenant):
        Queue.objects.create(name="Fresh queue")
    with CaptureQueriesContext(connection) as after_new_queue:
        assert "Fresh queue" in client.get("/desk/views/all/").text
    assert len(after_new_queue) > len(warm)


@pytest.mark.django_db
def test_filters_show_what_was_chosen(tenant, agent, desk, new_ticket):
    new_ticket()
    url = f"/desk/views/all/?status=open&status=pending&queue={desk['queue'].pk}&channel=phone"
    page = host_client(tenant, agent).get(url).text
    assert 'name="status" value="open" id="id_status_1" checked' in page
    assert 'name="status" value="new" id="id_status_0">' in page
    assert f'<option value="{desk["queue"].pk}" selected>General' in page
    assert '<option value="phone" selected>Phone' in page


@pytest.mark.django_db
def test_a_notice_shows_once_on_the_page_and_once_in_an_htmx_answer(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    url = f"/desk/tickets/{ticket.number}/update/"
    page = client.post(url, update_form(ticket, priority="3"), follow=True).text
    fragment = client.post(url, update_form(ticket, priority="4"), HTTP_HX_REQUEST="true").text
    assert page.count("Updated priority.") == 1
    assert fragment.count("Updated priority.") == 1


@pytest.mark.django_db
def test_merged_messages_show_their_source_ticket(tenant, agent, desk, new_ticket):
    # given a ticket merged into another
    source, target = new_ticket(subject="Printer on fire"), new_ticket(subject="Printer broken")
    with tenant_context(tenant):
        services.merge(source=source, target=target, actor=agent)
    # when the agent opens the target
    page = host_client(tenant, agent).get(f"/desk/tickets/{target.number}/").text
    # then the source's message is in the timeline, marked with the ticket it came from
    assert "message--merged" in page
    assert f"from ACME-{source.number}" in page


@pytest.mark.django_db
def test_supervisor_lets_a_requester_see_their_organisations_requests(tenant, agent, supervisor, desk, new_ticket):
    # given a ticket whose requester belongs to an organisation
    ticket = new_ticket()
    with tenant_context(tenant):
        contact = ticket.contact
        assert contact.organisation_id is not None and not contact.manages_organisation
    url = f"/desk/tickets/{ticket.number}/requester/manager/"
    # when an agent tries, nothing changes; when a supervisor does, the requester becomes its manager
    assert host_client(tenant, agent).post(url, {"manages": "on"}).status_code in (403, 404)
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert not contact.manages_organisation
    client = host_client(tenant, supervisor)
    assert client.post(url, {"manages": "on"}).status_code == 302
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert contact.manages_organisation
    assert "Organisation manager" in client.get(f"/desk/tickets/{ticket.number}/").text
    # and the supervisor can take it back
    client.post(url, {})
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert not contact.manages_organisation


@pytest.mark.django_db
def test_people_copied_when_a_ticket_opens_are_named_in_the_timeline(tenant, agent, desk, new_ticket):
    # given a ticket opened with someone copied (as a mail with a Cc does)
    colleague = ContactFactory(tenant=tenant, email="sam@customer.example", name="Sam Colleague")
    ticket = new_ticket(participants=[colleague])
    # when an agent opens it
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    # then the timeline names who was copied
    assert "copied Sam Colleague on the ticket" in page
    assert "a deleted item" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_filter_values_are_shown_as_text(tenant, agent, desk, payload):
    # given every typed filter of the queue page carrying a payload (the date ones invalid, so with their errors)
    typed = ("q", "tag", "contact", "organisation", "created_after", "updated_before", "queue", "status")
    # when the agent opens the list with them, as a page and as the htmx answer
    client = host_client(tenant, agent)
    page = client.get("/desk/views/all/", dict.fromkeys(typed, payload)).text
    fragment = client.get("/desk/views/all/", dict.fromkeys(typed, payload), HTTP_HX_REQUEST="true").text
    # then the values come back as text in their fields, never as markup
    assert live_markup(page) == [] and live_markup(fragment) == []
    assert 'name="tag" value="' in page


@pytest.mark.django_db
def test_ticket_page_reads_the_related_panel_only_for_a_ticket_with_links(
    tenant, other_tenant, agent, other_agent, desk, new_ticket
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def link_reads(number):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/desk/tickets/{number}/").text
        # get_related's statement (get_ticket's EXISTS on the links selects no column of them)
        return page, [q for q in captured.captured_queries if '"tickets_ticketlink"."kind"' in q["sql"]]

    # given a ticket without links, beside another tenant's linked tickets
    alone, other = new_ticket(subject="Alone"), new_ticket(subject="Other")
    with tenant_context(other_tenant):
        contact = ContactFactory(tenant=other_tenant)
        queue = Queue.objects.create(name="Theirs", is_default=True)
        theirs = [
            services.create_ticket(actor=contact, contact=contact, subject=subject, body="x", queue=queue)
            for subject in ("Theirs 1", "Theirs 2")
        ]
        services.link(ticket=theirs[0], other=theirs[1], actor=other_agent)
    client = host_client(tenant, agent)
    # when its page is shown, then no statement reads its links
    page, reads = link_reads(alone.number)
    assert reads == [] and '<li class="muted small">None</li>' in page
    # when it is linked to another ticket, then the panel reads and shows the link
    with tenant_context(tenant):
        services.link(ticket=alone, other=other, actor=agent)
    page, reads = link_reads(alone.number)
    assert len(reads) == 1 and f"-{other.number}</a>" in page


@pytest.mark.django_db
def test_ticket_page_reads_tags_and_people_copied_only_for_a_ticket_that_has_them(
    tenant, other_tenant, agent, other_agent, desk, new_ticket
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wanted = ('INNER JOIN "tickets_tickettag"', 'INNER JOIN "tickets_ticketparticipant"')

    def reads(number):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/desk/tickets/{number}/").text
        # ticket_tags' and list_participants' statements (get_ticket only asks whether there are any)
        return page, [w for q in captured.captured_queries for w in wanted if w in q["sql"]]

    # given a ticket without tags or people copied, beside another tenant's tagged ticket with a participant
    alone = new_ticket(subject="Alone")
    with tenant_context(other_tenant):
        contact = ContactFactory(tenant=other_tenant)
        queue = Queue.objects.create(name="Theirs", is_default=True)
        theirs = services.create_ticket(actor=contact, contact=contact, subject="Theirs", body="x", queue=queue)
        services.tag(ticket=theirs, names=["theirs"], actor=other_agent)
        services.add_participant(ticket=theirs, contact=ContactFactory(tenant=other_tenant), actor=other_agent)
    client = host_client(tenant, agent)
    # when its page is shown, then neither is read, and the panels say so
    page, read = reads(alone.number)
    assert read == [] and '<li class="muted small">No tags</li>' in page and "panel__copied" not in page
    # when it is tagged and someone is copied, then both are read and shown
    with tenant_context(tenant):
        services.tag(ticket=alone, names=["urgent"], actor=agent)
        copied = ContactFactory(tenant=tenant, name="Casey Copied", email="casey@customer.example")
        services.add_participant(ticket=alone, contact=copied, actor=agent)
    page, read = reads(alone.number)
    assert sorted(read) == sorted(wanted)
    assert "Remove tag urgent" in page and "Copied</span> Casey Copied</p>" in page
