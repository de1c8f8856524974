"""The JSON API through its real URLs on the tenant's host: keys, tenant and role scoping, the services behind
every change, errors as JSON, cursor pagination, the rate limit, and the schema and docs pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import jsonschema
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from schemathesis.specs.openapi.definitions import OPENAPI_30

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.factories import CategoryFactory, ContactFactory, OrganisationFactory, QueueFactory
from tickets import services
from tickets.models import (
    ApiKey,
    Channel,
    Contact,
    FeedEntry,
    Message,
    Queue,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
)
from tickets.services.api_keys import create_api_key, revoke_api_key

pytestmark = pytest.mark.django_db


def make_key(tenant, creator, role=Role.AGENT, name="CRM sync") -> tuple[ApiKey, str]:
    with tenant_context(tenant):
        return create_api_key(actor=creator, name=name, role=role)


def api(tenant, plaintext: str | None = None, scheme: str = "Bearer") -> Client:
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {plaintext}"} if plaintext else {}
    return Client(HTTP_HOST=tenant.host, **headers)


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client: Client, url: str, data: dict):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def agent_key(tenant, admin, desk):
    return make_key(tenant, admin, Role.AGENT)[1]


@pytest.fixture
def supervisor_key(tenant, admin, desk):
    return make_key(tenant, admin, Role.SUPERVISOR, name="Directory sync")[1]


@pytest.fixture
def globex(other_tenant):
    """A second help desk with a ticket numbered 1, a contact, a queue and its own admin's key."""
    admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")
    with tenant_context(other_tenant):
        queue = Queue.objects.create(name="Globex general", is_default=True)
    contact = ContactFactory(tenant=other_tenant, email="someone@globex-customer.example")
    with tenant_context(other_tenant):
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Globex secret", body="Secret")
    key = make_key(other_tenant, admin, Role.ADMIN)[1]
    return {"queue": queue, "contact": contact, "ticket": ticket, "key": key}


# --- Authentication --------------------------------------------------------------------------------------------


def test_api_refuses_missing_wrong_malformed_and_revoked_keys(tenant, admin, desk):
    # given a key that works, and one that was revoked
    plaintext = make_key(tenant, admin)[1]
    revoked, revoked_plaintext = make_key(tenant, admin, name="Old")
    with tenant_context(tenant):
        revoke_api_key(actor=admin, key=revoked)
    # when the API is called without a key, with a wrong one, with garbage, and with the revoked one
    answers = [
        api(tenant).get("/api/v1/tickets/"),
        api(tenant, plaintext[:-4] + "abcd").get("/api/v1/tickets/"),
        api(tenant, "not-a-key").get("/api/v1/tickets/"),
        api(tenant, plaintext, scheme="Basic").get("/api/v1/tickets/"),
        api(tenant, revoked_plaintext).get("/api/v1/tickets/"),
    ]
    # then each is a 401 with a JSON message and the scheme to use; the good key works, also as "Token"
    for answer in answers:
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"].startswith("Bearer")
        assert set(answer.json()) == {"message", "errors"} and answer.json()["message"]
    assert api(tenant, plaintext).get("/api/v1/tickets/").status_code == 200
    assert api(tenant, plaintext, scheme="Token").get("/api/v1/tickets/").status_code == 200


def test_key_of_one_tenant_is_unknown_on_another_tenants_host(tenant, admin, desk, globex):
    # given acme's key
    plaintext = make_key(tenant, admin)[1]
    # when it is sent to globex's host
    answer = api(globex["ticket"].tenant, plaintext).get("/api/v1/tickets/")
    # then globex does not know it
    assert answer.status_code == 401


def test_key_stops_working_when_its_creator_leaves_and_follows_a_demotion(tenant, admin, desk):
    # given a supervisor key made by an admin
    plaintext = make_key(tenant, admin, Role.SUPERVISOR)[1]
    client = api(tenant, plaintext)
    contact_payload = {"email": "new@customer.example", "name": "New"}
    # when the admin is demoted to agent
    with tenant_context(tenant):
        admin.role = Role.AGENT
        admin.save(update_fields=["role"])
    # then the key acts as an agent: it may not add contacts any more
    assert post(client, "/api/v1/contacts/", contact_payload).status_code == 403
    # and when the admin's membership is deactivated, the key no longer works at all
    with tenant_context(tenant):
        admin.is_active = False
        admin.save(update_fields=["is_active"])
    answer = client.get("/api/v1/tickets/")
    assert answer.status_code == 401
    assert "no longer a staff member" in answer.json()["message"]


def test_last_used_is_recorded_at_most_once_a_minute(tenant, admin, desk):
    # given a key used once
    key, plaintext = make_key(tenant, admin)
    client = api(tenant, plaintext)
    client.get("/api/v1/queues/")
    with tenant_context(tenant):
        first = ApiKey.objects.get(pk=key.pk).last_used_at
    # when it is used again at once, and then after its last use is more than a minute old
    client.get("/api/v1/queues/")
    with tenant_context(tenant):
        again = ApiKey.objects.get(pk=key.pk).last_used_at
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/v1/queues/")
    with tenant_context(tenant):
        later = ApiKey.objects.get(pk=key.pk).last_used_at
    # then the second use wrote nothing and the third updated it
    assert first is not None and again == first
    assert later > first


# --- Tenant and role scoping -----------------------------------------------------------------------------------


def test_key_never_reads_or_writes_another_tenants_objects(tenant, admin, desk, new_ticket, globex):
    # given acme's admin key, a ticket in acme, and globex's ticket number 1, contact and queue
    plaintext = make_key(tenant, admin, Role.ADMIN)[1]
    client = api(tenant, plaintext)
    mine = new_ticket(subject="Acme printer")
    other = globex["ticket"]
    # when acme's key lists tickets, and names globex's rows by id
    listed = client.get("/api/v1/tickets/").json()["results"]
    contact = client.get(f"/api/v1/contacts/{globex['contact'].pk}/")
    contact_patch = patch(client, f"/api/v1/contacts/{globex['contact'].pk}/", {"name": "Hijacked"})
    created = post(
        client,
        "/api/v1/tickets/",
        {"subject": "X", "body": "Y", "contact": globex["contact"].pk, "queue": globex["queue"].pk},
    )
    moved = patch(client, f"/api/v1/tickets/{mine.number}/", {"queue": globex["queue"].pk})
    # then only acme's ticket is listed, globex's rows are unknown (404 by URL, 400 in a body), nothing changed
    assert [row["subject"] for row in listed] == ["Acme printer"]
    assert contact.status_code == 404 and contact.json()["message"]
    assert contact_patch.status_code == 404
    assert created.status_code == 400
    assert set(created.json()["errors"]) == {"contact", "queue"}
    assert moved.status_code == 400
    with tenant_context(other.tenant):
        assert Ticket.objects.count() == 1
        assert Ticket.objects.get().subject == "Globex secret"
        assert Contact.objects.get(pk=globex["contact"].pk).name != "Hijacked"


def test_ticket_of_another_tenant_with_the_same_number_is_a_404(tenant, admin, desk, globex):
    # given acme has no tickets and globex has ticket number 1
    client = api(tenant, make_key(tenant, admin, Role.ADMIN)[1])
    number = globex["ticket"].number
    # when acme's key reads, changes and replies to "ticket 1"
    answers = [
        client.get(f"/api/v1/tickets/{number}/"),
        patch(client, f"/api/v1/tickets/{number}/", {"status": "resolved"}),
        client.get(f"/api/v1/tickets/{number}/messages/"),
        post(client, f"/api/v1/tickets/{number}/messages/", {"body": "Hello"}),
    ]
    # then it does not exist for acme, and globex's ticket is untouched
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    with tenant_context(globex["ticket"].tenant):
        ticket = Ticket.objects.get()
        assert ticket.status == "new"
        assert ticket.messages.count() == 1


def test_agent_key_reads_but_does_not_manage_contacts_and_organisations(tenant, agent_key, supervisor_key):
    # given an agent key and a supervisor key
    agent_client, supervisor_client = api(tenant, agent_key), api(tenant, supervisor_key)
    organisation = {"name": "Initech", "domain": "initech.example"}
    # when the agent key reads and tries to write, and the supervisor key writes
    agent_reads = [agent_client.get(url).status_code for url in ("/api/v1/contacts/", "/api/v1/organisations/")]
    agent_writes = [
        post(agent_client, "/api/v1/organisations/", organisation).status_code,
        post(agent_client, "/api/v1/contacts/", {"email": "x@initech.example"}).status_code,
    ]
    created = post(supervisor_client, "/api/v1/organisations/", organisation)
    contact = post(
        supervisor_client,
        "/api/v1/contacts/",
        {"email": "Peter@Initech.example", "name": "Peter", "organisation": created.json()["id"]},
    )
    duplicate = post(supervisor_client, "/api/v1/contacts/", {"email": "peter@initech.example"})
    renamed = patch(supervisor_client, f"/api/v1/contacts/{contact.json()['id']}/", {"name": "Peter Gibbons"})
    # then the agent reads but is refused writes with a JSON reason; the supervisor's writes go through
    assert agent_reads == [200, 200]
    assert agent_writes == [403, 403]
    assert created.status_code == 201
    assert contact.status_code == 201 and contact.json()["email"] == "peter@initech.example"
    assert duplicate.status_code == 400 and "already a contact" in duplicate.json()["message"]
    assert renamed.status_code == 200 and renamed.json()["name"] == "Peter Gibbons"
    assert agent_client.get("/api/v1/contacts/?email=peter@initech.example").json()["results"][0]["name"] == (
        "Peter Gibbons"
    )


def test_agent_key_sees_its_creators_teams_when_agents_are_limited(tenant, admin, desk, new_ticket):
    # given a desk where agents see only their teams' queues, a queue of another team, and an agent key made by an
    # admin who is in the Frontline team only
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        TeamMembership.objects.create(team=desk["team"], membership=admin)
        billing = Queue.objects.create(name="Billing", team=Team.objects.create(name="Billing"))
    frontline_ticket = new_ticket(subject="Frontline")
    billing_ticket = new_ticket(subject="Billing", queue=billing)
    agent_client = api(tenant, make_key(tenant, admin, Role.AGENT)[1])
    admin_client = api(tenant, make_key(tenant, admin, Role.ADMIN)[1])
    # when both keys list and read
    agent_list = [row["number"] for row in agent_client.get("/api/v1/tickets/").json()["results"]]
    admin_list = {row["number"] for row in admin_client.get("/api/v1/tickets/").json()["results"]}
    # then the agent key sees only its creator's teams' tickets; the admin key sees all
    assert agent_list == [frontline_ticket.number]
    assert agent_client.get(f"/api/v1/tickets/{billing_ticket.number}/").status_code == 404
    assert admin_list == {frontline_ticket.number, billing_ticket.number}


# --- Tickets through the services ------------------------------------------------------------------------------


def test_create_ticket_goes_through_the_service(tenant, admin, desk):
    # given an agent key and a category
    key, plaintext = make_key(tenant, admin)
    category = CategoryFactory(tenant=tenant, name="Hardware")
    # when a ticket is opened for a new requester
    answer = post(
        api(tenant, plaintext),
        "/api/v1/tickets/",
        {
            "subject": "Printer jammed",
            "body": "Page 3 is stuck.",
            "contact_email": "Sam@Customer.example",
            "contact_name": "Sam",
            "priority": 3,
            "category": category.pk,
            "tags": ["Printer", "floor-2"],
        },
    )
    # then it is a ticket like any other: numbered, on the API channel, with its first message, the contact and
    # an audit trail naming the key
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["reference"] == "ACME-1" and body["channel"] == "api" and body["priority"] == 3
    assert body["contact"]["email"] == "sam@customer.example" and body["tags"] == ["floor-2", "printer"]
    with tenant_context(tenant):
        ticket = Ticket.objects.get(number=body["number"])
        assert ticket.messages.get().body_text == "Page 3 is stuck."
        events = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "actor_automation"))
    assert ("created", f"API key “CRM sync” #{key.pk}") in events
    assert [kind for kind, _ in events].count("tagged") == 2


def test_patch_maps_each_field_to_its_service_and_audits_it(tenant, admin, agent, desk, new_ticket):
    # given a ticket and an agent key
    key, plaintext = make_key(tenant, admin)
    ticket = new_ticket()
    with tenant_context(tenant):
        services.tag(ticket=ticket, names=["old"], actor=agent)
        billing = QueueFactory(tenant=tenant, name="Billing")
    # when one PATCH changes queue, priority, assignee, tags, escalation and status
    answer = patch(
        api(tenant, plaintext),
        f"/api/v1/tickets/{ticket.number}/",
        {
            "queue": billing.pk,
            "priority": 4,
            "assignee": agent.pk,
            "tags": ["new", "urgent"],
            "escalation_level": 1,
            "status": "pending",
            "reason": "Customer called",
        },
    )
    # then the ticket changed, and each change left its audit event by the key, with the reason
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["queue"], body["priority"], body["assignee"], body["escalation_level"], body["status"]) == (
        billing.pk, 4, agent.pk, 1, "pending",
    )  # fmt: skip
    assert body["tags"] == ["new", "urgent"]
    with tenant_context(tenant):
        events = TicketEvent.objects.filter(ticket=ticket, actor_automation=f"API key “CRM sync” #{key.pk}")
        kinds = sorted(events.values_list("kind", flat=True))
        assert events.get(kind="status_changed").reason == "Customer called"
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/")
    assert f"API key “CRM sync” #{key.pk}" in page.text
    assert kinds == sorted(
        ["queue_changed", "team_changed", "priority_changed", "assigned", "tagged", "tagged", "untagged",
         "escalated", "status_changed"]
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_patch_is_one_update_with_one_feed_entry_and_skips_values_already_set(tenant, admin, desk, new_ticket):
    # given a ticket and an agent key
    ticket = new_ticket()
    client = api(tenant, make_key(tenant, admin)[1])
    # when a PATCH changes two fields, and another asks only for what the ticket has now
    changed = patch(client, f"/api/v1/tickets/{ticket.number}/", {"priority": 3, "escalation_level": 1})
    same = patch(client, f"/api/v1/tickets/{ticket.number}/", {"priority": 3, "status": "new"})
    # then the first left one feed entry with both events; the second (the key acts as an automation) is a
    # quiet no-op: 200, no event, no entry
    assert (changed.status_code, same.status_code) == (200, 200)
    with tenant_context(tenant):
        entries = list(FeedEntry.objects.filter(ticket=ticket).order_by("id"))
        kinds = dict(TicketEvent.objects.filter(ticket=ticket).values_list("id", "kind"))
        assert [[kinds[i] for i in entry.event_ids] for entry in entries] == [
            ["created"],
            ["priority_changed", "escalated"],
        ]


def test_refused_change_is_a_409_and_changes_nothing(tenant, admin, desk, new_ticket):
    # given a closed ticket
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status="closed", actor=admin)
    client = api(tenant, make_key(tenant, admin)[1])
    # when a PATCH changes its priority and reopens it (closed is final)
    answer = patch(client, f"/api/v1/tickets/{ticket.number}/", {"priority": 4, "status": "open"})
    # then the lifecycle's refusal comes back as a 409 with its message, and the priority change was rolled back
    assert answer.status_code == 409
    assert answer.json() == {
        "message": "Closed tickets are final. Open a new ticket and link it instead.",
        "errors": {},
    }
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).priority == 2
        assert not TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").exists()


def test_validation_errors_are_json_with_a_message_and_field_errors(tenant, agent_key, new_ticket):
    client = api(tenant, agent_key)
    ticket = new_ticket()
    # when requests are invalid in several ways
    missing = post(client, "/api/v1/tickets/", {"body": "No subject", "contact_email": "a@b.example"})
    no_contact = post(client, "/api/v1/tickets/", {"subject": "S", "body": "B"})
    bad_status = patch(client, f"/api/v1/tickets/{ticket.number}/", {"status": "exploded"})
    empty = patch(client, f"/api/v1/tickets/{ticket.number}/", {})
    not_json = client.post("/api/v1/tickets/", "{oops", content_type="application/json")
    bad_filter = client.get("/api/v1/tickets/?status=exploded&created_after=yesterday")
    empty_reply = post(client, f"/api/v1/tickets/{ticket.number}/messages/", {"body": "   "})
    # then each is a 400 with a readable message and the fields at fault
    assert missing.status_code == 400 and missing.json()["errors"] == {"subject": ["This field is required."]}
    assert missing.json()["message"] == "Check the request: subject: This field is required."
    assert no_contact.status_code == 400 and "contact" in no_contact.json()["errors"]
    assert bad_status.status_code == 400 and "status" in bad_status.json()["errors"]
    assert (
        empty.status_code == 400 and empty.json()["message"] == "Check the request: Give at least one field to change."
    )
    assert not_json.status_code == 400 and "JSON" in not_json.json()["message"]
    assert bad_filter.status_code == 400 and {"status", "created"} <= set(bad_filter.json()["errors"])
    assert empty_reply.status_code == 400 and empty_reply.json()["message"]


def test_messages_reply_and_note_through_the_services(tenant, admin, desk, new_ticket):
    # given a new ticket and an agent key made by the admin
    ticket = new_ticket()
    client = api(tenant, make_key(tenant, admin)[1])
    url = f"/api/v1/tickets/{ticket.number}/messages/"
    # when the key replies (setting pending) and adds a note
    replied = post(client, url, {"body": "Have you tried turning it off?", "status": "pending"})
    noted = post(client, url, {"kind": "note", "body": "Probably the toner."})
    note_with_status = post(client, url, {"kind": "note", "body": "x", "status": "open"})
    listed = client.get(url).json()["results"]
    # then the conversation holds the customer's message, the reply and the note, in order, written by the key's
    # creator; the reply set the status and counted as the first response
    assert replied.status_code == 201 and noted.status_code == 201
    assert note_with_status.status_code == 400
    assert [(m["kind"], m["author"]["type"]) for m in listed] == [
        ("reply", "contact"), ("reply", "agent"), ("note", "agent"),
    ]  # fmt: skip
    assert listed[1]["author"]["id"] == admin.pk and listed[1]["channel"] == Channel.API
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == "pending" and ticket.first_response_at is not None
        assert TicketEvent.objects.filter(ticket=ticket, kind="note_added", actor_membership=admin).exists()
        assert Message.objects.filter(ticket=ticket, kind="note").count() == 1


# --- Lists -----------------------------------------------------------------------------------------------------


def test_ticket_list_filters_and_cursor_pagination(tenant, agent_key, new_ticket):
    # given seven tickets, two of them urgent
    tickets = [new_ticket(subject=f"Ticket {n}", priority=4 if n in (2, 5) else 2) for n in range(7)]
    client = api(tenant, agent_key)
    # when the list is walked three at a time, and filtered by priority
    seen, url, pages = [], "/api/v1/tickets/?page_size=3", 0
    while url:
        page = client.get(url).json()
        seen += [row["number"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    urgent = client.get("/api/v1/tickets/?priority=4").json()["results"]
    bad_cursor = client.get("/api/v1/tickets/?cursor=bm9wZQ")
    # then every ticket came once, newest first, over three pages; the filter applies; a bad cursor is a 400
    assert seen == [t.number for t in reversed(tickets)] and pages == 3
    assert sorted(row["subject"] for row in urgent) == ["Ticket 2", "Ticket 5"]
    assert bad_cursor.status_code == 400 and "cursor" in bad_cursor.json()["errors"]


def test_ticket_list_runs_a_fixed_number_of_queries(tenant, agent, agent_key, new_ticket):
    client = api(tenant, agent_key)

    def queries() -> int:
        client.get("/api/v1/tickets/")  # the key's last use is written on the first call only
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/tickets/?page_size=100").status_code == 200
        return len(captured)

    # given one ticket, then twelve tickets with tags and several requesters
    new_ticket()
    one = queries()
    for n in range(11):
        ticket = new_ticket(subject=f"More {n}", contact=ContactFactory(tenant=tenant))
        with tenant_context(tenant):
            services.tag(ticket=ticket, names=[f"t{n}", "common"], actor=agent)
    many = queries()
    # then the list costs the same number of queries
    assert one == many


def test_message_list_runs_a_fixed_number_of_queries(tenant, agent, supervisor, agent_key, new_ticket):
    client = api(tenant, agent_key)
    ticket = new_ticket()
    url = f"/api/v1/tickets/{ticket.number}/messages/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    # given the customer's message, then replies and notes by two agents
    one = queries()
    with tenant_context(tenant):
        for n in range(3):
            services.reply(ticket=ticket, actor=agent, body=f"Reply {n}")
            services.add_note(ticket=ticket, actor=supervisor, body=f"Note {n}")
    # then listing them costs the same
    assert queries() == one


def test_lookup_lists_are_paginated(tenant, agent_key):
    CategoryFactory(tenant=tenant, name="Hardware")
    OrganisationFactory(tenant=tenant, name="Initech")
    client = api(tenant, agent_key)
    categories = client.get("/api/v1/categories/").json()
    queues = client.get("/api/v1/queues/").json()
    organisations = client.get("/api/v1/organisations/").json()
    assert [c["name"] for c in categories["results"]] == ["Hardware"]
    assert [q["name"] for q in queues["results"]] == ["General"]
    assert organisations["results"][0]["name"] == "Initech"  # newest first
    assert {"next", "previous", "results"} <= set(categories)


# --- Rate limit ------------------------------------------------------------------------------------------------


def test_rate_limit_per_key_answers_429_json(tenant, admin, desk, settings):
    # given a limit of three requests a minute and two keys
    settings.API_RATE_LIMIT = "3/min"
    busy, calm = api(tenant, make_key(tenant, admin)[1]), api(tenant, make_key(tenant, admin, name="Other")[1])
    # when the first key makes four requests
    codes = [busy.get("/api/v1/queues/").status_code for _ in range(4)]
    refused = busy.get("/api/v1/queues/")
    # then the fourth is refused with a JSON message and Retry-After; the other key is not affected
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["message"].startswith("Too many requests")
    assert calm.get("/api/v1/queues/").status_code == 200


# --- Schema and docs -------------------------------------------------------------------------------------------


def test_unknown_api_urls_are_json_404s(tenant, agent_key):
    client = api(tenant, agent_key)
    for url in ("/api/v2/tickets/", "/api/v1/tickets", "/api/v1/nothing/here/"):
        answer = client.get(url)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
        assert answer.json()["message"].startswith("No such API endpoint.")
    assert "end with a slash" in client.get("/api/v1/tickets").json()["message"]


def test_schema_is_openapi_3_with_every_endpoint_and_the_key_scheme(tenant):
    # when anyone fetches the schema from a tenant host
    answer = api(tenant).get("/api/schema/")
    # then it is a valid OpenAPI 3.0 document (checked against the specification's JSON schema) that describes
    # every endpoint and the bearer key
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.0")
    jsonschema.Draft4Validator(OPENAPI_30).validate(schema)
    assert {
        "/api/v1/tickets/", "/api/v1/tickets/{number}/", "/api/v1/tickets/{number}/messages/", "/api/v1/contacts/",
        "/api/v1/contacts/{contact_id}/", "/api/v1/organisations/", "/api/v1/organisations/{organisation_id}/",
        "/api/v1/categories/", "/api/v1/queues/", "/api/v1/custom-fields/", "/api/v1/kb/articles/",
        "/api/v1/kb/articles/{slug}/",
    } == set(schema["paths"])  # fmt: skip
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "tsk_<prefix>_<secret>",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }  # fmt: skip
    assert "patch" in schema["paths"]["/api/v1/tickets/{number}/"]


def test_docs_page_loads_nothing_from_another_host(tenant):
    # when the docs page and its start-up script are fetched
    page = api(tenant).get("/api/docs/")
    script = api(tenant).get("/api/docs/?script=")
    # then both come from us, and neither names another host to load from
    assert page.status_code == 200 and script.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # no inline script
    for text in (html, script.content.decode()):
        # A CDN's host name, not the letters anywhere: the script carries a random token that may hold "cdn".
        assert not re.search(r"\bcdn[\w-]*\.|unpkg\.|jsdelivr\.|cdnjs\.", text.lower())
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
