"""The intake's hot paths (issue 21): the public form and the agent's create run a fixed, small number of
statements, save no session for an anonymous visitor, and leave the acknowledgement to the worker, which writes
it and applies the hourly cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tests.conftest import host_client
from tickets.models import OutboundEmail, Ticket
from tickets.services import customer_mail

pytestmark = pytest.mark.django_db

# Counted inside the test's transaction (its BEGIN/COMMIT are savepoints, and the feed's drain task was recorded
# by the first request of the test, so it is not recorded again; a request of its own adds BEGIN, that INSERT
# and COMMIT). Neither reads the tenant: each process remembers which tenant a host serves (tenancy.hosts).
# Portal: the contact found or created in one statement (tickets.services.contacts); one statement for the
# number, ticket, message, event, and the acknowledgement's row and its task (tickets.services.opening). No
# savepoint: the ticket's refusals are all made before the contact is written (issue 21), and create_ticket and the
# acknowledgement open none of their own (four statements that protected nothing, as no caller catches an error
# between them and carries on). No portal settings, categories, default queue (the tenant's cached lists), no mail
# template or support address (the worker's), no rate-cap count (the worker's), no session, nothing after the
# commit.
PORTAL_SUBMIT_QUERIES = 4
# The session's user; the membership; the contact; number, ticket, message and event in one statement.
AGENT_CREATE_QUERIES = 6


def _form(n: int, **overrides) -> dict:
    return {
        "name": "Robin Customer",
        "email": f"robin{n}@example.com",
        "subject": f"Invoice {n} charged twice",
        "description": "I was charged twice.",
        "category": "",
        "website": "",
        **overrides,
    }


def _captured(client, url: str, data: dict, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data, **extra)
    return response, [query["sql"] for query in captured.captured_queries]


def test_portal_submit_runs_a_fixed_number_of_statements_and_saves_no_session(tenant, desk):
    # given the portal's lists were read once (as on any busy help desk: they are cached per tenant)
    host_client(tenant).post("/new/", _form(0), REMOTE_ADDR="10.0.0.1")
    sessions_before = Session.objects.count()
    # when two more anonymous visitors submit the form, from two networks
    counts = []
    for n in (1, 2):
        response, sql = _captured(host_client(tenant), "/new/", _form(n), REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert response.status_code == 302 and response["Location"] == "/new/thanks/"
        counts.append(len(sql))
    # then each ran the same small number of statements, wrote no session row and composed no mail
    assert counts == [PORTAL_SUBMIT_QUERIES, PORTAL_SUBMIT_QUERIES], "\n".join(s[:90] for s in sql)
    assert not any("django_session" in statement for statement in sql)
    assert Session.objects.count() == sessions_before
    assert not any("tickets_emailtemplate" in s or "tickets_supportaddress" in s for s in sql)
    assert not any(s.startswith('UPDATE "tenancy_pendingtask"') for s in sql)


def test_portal_confirmation_travels_in_a_cookie_bound_to_the_tenant(tenant, other_tenant, desk):
    # given a visitor who submitted the form on acme
    client = host_client(tenant)
    response = client.post("/new/", _form(1))
    cookie = response.cookies[customer_mail_cookie()].value
    # when they open the confirmation on acme, and the same cookie is shown to globex's portal
    page = client.get("/new/thanks/")
    elsewhere = host_client(other_tenant)
    elsewhere.cookies[customer_mail_cookie()] = cookie
    foreign = elsewhere.get("/new/thanks/")
    # then acme shows the reference; globex ignores the cookie and sends them to its form
    assert page.status_code == 200 and "ACME-1" in page.text and "robin1@example.com" in page.text
    assert foreign.status_code == 302 and foreign["Location"] == "/new/"


def customer_mail_cookie() -> str:
    from tickets.views.portal import SUBMITTED_COOKIE

    return SUBMITTED_COOKIE


def test_agent_create_runs_a_fixed_number_of_statements(tenant, agent, desk):
    # given an agent at the desk who has logged one call already
    client = host_client(tenant, agent)
    form = {"email": "pat@customer.example", "name": "", "phone": "", "channel": "phone", "subject": "Call 0",
            "body": "Caller reports the export fails.", "priority": 2, "queue": "", "category": ""}  # fmt: skip
    client.post("/desk/tickets/new/", form)
    # when they log two more
    counts = []
    for n in (1, 2):
        response, sql = _captured(client, "/desk/tickets/new/", {**form, "subject": f"Call {n}"})
        assert response.status_code == 302, response.content[:500]
        counts.append(len(sql))
    # then each ran the same small number of statements, none after the commit
    assert counts == [AGENT_CREATE_QUERIES, AGENT_CREATE_QUERIES], "\n".join(s[:90] for s in sql)
    assert not any(s.startswith('UPDATE "tenancy_pendingtask"') or 'tenancy_tenant"."id" = ' in s for s in sql)
    with tenant_context(tenant):
        assert Ticket.objects.count() == 3


def test_agent_create_takes_a_chosen_queue_and_category_from_the_lists_and_refuses_another_tenants(
    tenant, other_tenant, agent, desk
):
    from tests.tickets.factories import CategoryFactory, QueueFactory

    # given a second queue and a category here, a queue of globex's, and an agent who has logged one call already
    billing = QueueFactory(tenant=tenant, name="Billing", team=desk["team"])
    invoices = CategoryFactory(tenant=tenant, name="Invoices")
    theirs = QueueFactory(tenant=other_tenant, name="Their queue")
    client = host_client(tenant, agent)
    form = {"email": "pat@customer.example", "name": "", "phone": "", "channel": "phone", "subject": "Call 0",
            "body": "Caller reports the export fails.", "priority": 2, "queue": "", "category": ""}  # fmt: skip
    client.post("/desk/tickets/new/", form)
    # when they log a call into the billing queue under invoices
    chosen = {**form, "subject": "Call 1", "queue": billing.pk, "category": invoices.pk}
    response, sql = _captured(client, "/desk/tickets/new/", chosen)
    # then the choices cost no query of their own (they are the tenant's cached lists; the one statement more is the
    # "queue_chosen" event an explicit choice records) and the ticket has them
    assert response.status_code == 302, response.content[:500]
    assert len(sql) == AGENT_CREATE_QUERIES + 1, "\n".join(s[:90] for s in sql)
    assert not [s for s in sql if 'FROM "tickets_queue"' in s or 'FROM "tickets_category"' in s]
    with tenant_context(tenant):
        ticket = Ticket.objects.get(subject="Call 1")
        assert (ticket.queue_id, ticket.category_id) == (billing.pk, invoices.pk)
    # and globex's queue is not one of the choices
    response = client.post("/desk/tickets/new/", {**form, "subject": "Call 2", "queue": theirs.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    with tenant_context(tenant):
        assert not Ticket.objects.filter(subject="Call 2").exists()


def test_queued_acknowledgement_is_written_and_sent_by_the_worker(tenant, desk):
    # given a submission through the form
    host_client(tenant).post("/new/", _form(1, subject="Printer on fire"))
    with tenant_context(tenant):
        [queued] = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT)
        # then the request left a row to write, for the submitter only, with our Message-ID
        assert (queued.to_address, queued.subject, queued.body_text) == ("robin1@example.com", "", "")
        assert queued.email_message_id.startswith(f"tessera.{tenant.slug}.")
        # when the worker runs the task
        sent = customer_mail.deliver_outbound_email(outbound_id=queued.pk)
        queued.refresh_from_db()
    # then it wrote the mail in the tenant's wording from its address, and sent it
    assert sent and queued.status == OutboundEmail.Status.SENT
    assert queued.subject.startswith("[ACME-1]") and "Printer on fire" in queued.subject
    assert "ACME-1" in queued.body_text and queued.from_address
    [message] = mail.outbox
    assert message.to == ["robin1@example.com"] and message.subject == queued.subject


def test_worker_drops_queued_acknowledgements_over_the_hourly_cap(tenant, desk):
    # given more submissions from one address than the hourly cap (the form's own per-address limit lifted)
    cap = customer_mail.MAILS_PER_RECIPIENT_PER_HOUR
    with tenant_context(tenant):
        for n in range(cap + 2):
            from tickets.services.portal import submit_request

            submit_request(email="flood@example.com", name="F", subject=f"Req {n}", description="x", tenant=tenant)
        queued = list(OutboundEmail.objects.order_by("pk").values_list("pk", flat=True))
        # when the worker handles them (the last one first: order of delivery does not matter)
        results = {pk: customer_mail.deliver_outbound_email(outbound_id=pk) for pk in reversed(queued)}
        left = list(OutboundEmail.objects.order_by("pk").values_list("pk", "status"))
    # then the first `cap` were sent and the others deleted unsent
    assert [results[pk] for pk in queued] == [True] * cap + [False, False]
    assert left == [(pk, OutboundEmail.Status.SENT) for pk in queued[:cap]]
    assert len(mail.outbox) == cap


def test_worker_counts_the_cap_over_the_hour_before_each_queued_mail(tenant, desk):
    # given `cap` acknowledgements to one address more than an hour before a new one
    cap = customer_mail.MAILS_PER_RECIPIENT_PER_HOUR
    from tickets.services.portal import submit_request

    with tenant_context(tenant):
        for n in range(cap + 1):
            submit_request(email="back@example.com", name="B", subject=f"Req {n}", description="x", tenant=tenant)
        *old, new = OutboundEmail.objects.order_by("pk")
        OutboundEmail.objects.filter(pk__in=[o.pk for o in old]).update(
            created_at=new.created_at - timedelta(hours=1, minutes=1)
        )
        # when the worker handles the new one
        sent = customer_mail.deliver_outbound_email(outbound_id=new.pk)
    # then it is sent: the old ones are outside its hour
    assert sent


def test_portal_submit_reads_the_tenant_lists_from_the_cache_once(tenant, other_tenant, desk, monkeypatch):
    # given the lists cached, and a count of every read of them from the shared cache
    from tickets import picklists
    from tickets.custom_fields import definitions

    host_client(tenant).post("/new/", _form(0), REMOTE_ADDR="10.0.0.1")
    reads = []
    for lists, name in ((picklists.LISTS, "picklists"), (definitions.DEFINITIONS, "fields")):

        def counted(tenant_id, load=lists.cached, name=name):
            reads.append(name)
            return load(tenant_id)

        monkeypatch.setattr(lists, "cached", counted)
    # when a visitor submits the form (the view, the form, the service and create_ticket each want the lists)
    response = host_client(tenant).post("/new/", _form(1), REMOTE_ADDR="10.0.0.2")
    # then each list came from the cache once (seven reads before: 14 cache round trips, 7 unpicklings)
    assert response.status_code == 302
    assert sorted(reads) == ["fields", "picklists"]
    # and the next request, here another tenant's, reads its own lists afresh: nothing is kept between requests
    host_client(other_tenant).get("/new/")
    assert sorted(reads) == ["fields", "fields", "picklists", "picklists"]


def test_agent_create_with_only_blank_tags_is_refused_before_anything_is_written(tenant, agent, desk):
    # given a contact, and tags that normalise to nothing
    from tickets.models import Contact
    from tickets.services import ServiceError, create_ticket

    with tenant_context(tenant):
        contact = Contact.objects.create(email="blank-tags@customer.example")
        # when a ticket is opened with them inside a caller's transaction (as a request's)
        from django.db import transaction

        with transaction.atomic():
            with pytest.raises(ServiceError, match="at least one tag"):
                create_ticket(actor=agent, contact=contact, subject="Tags", body="Hello.", tags=["  ", ""])
            # then the transaction is still usable (create_ticket writes without a savepoint of its own, so its
            # refusals must all come before the first write) and nothing was written
            assert Ticket.objects.count() == 0
