"""Custom fields through the pages and the API: the settings pages, the portal and desk forms, the ticket page,
bulk "set field", the queue filters and sorts (saved views too), the API and its schema, webhooks."""

from __future__ import annotations

import json

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import count_queries, host_client
from tests.tickets.factories import CategoryFactory, SavedViewFactory
from tests.tickets.ticket_forms import update_form
from tickets import selectors, services
from tickets.models import CustomField, Ticket, TicketEvent
from tickets.services import custom_fields as field_services
from tickets.services import update_ticket
from tickets.services.api_keys import create_api_key

pytestmark = pytest.mark.django_db

PRODUCTS = [("cloud", "Tessera Cloud"), ("onprem", "Tessera On-Prem"), ("mobile", "Mobile app")]


@pytest.fixture
def fields(tenant, admin):
    with tenant_context(tenant):
        product = field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice", choices=PRODUCTS, visible_in_portal=True,
            required_at_creation=True, help_text="<b>Which</b> product?",
        )  # fmt: skip
        order = field_services.create_custom_field(actor=admin, key="order", label="Order number", type="text")
        seats = field_services.create_custom_field(actor=admin, key="seats", label="Seats", type="number")
    return {"product": product, "order": order, "seats": seats}


def _tickets(tenant, agent, desk, values: list[dict]) -> list[Ticket]:
    made = []
    with tenant_context(tenant):
        for index, value in enumerate(values):
            ticket = services.create_ticket(
                actor=desk["contact"], contact=desk["contact"], subject=f"T{index}", body="x"
            )
            if value:
                ticket = update_ticket(ticket=ticket, changes={"custom_fields": value}, actor=agent)
            made.append(ticket)
    return made


# --- Settings pages --------------------------------------------------------------------------------------------------


def test_admin_adds_edits_and_archives_a_field_in_the_browser(tenant, admin):
    client = host_client(tenant, admin)
    # when the admin adds a choice field from the settings page
    answer = client.post(
        "/desk/settings/fields/new/",
        {"key": "tier", "label": "Contract tier", "type": "choice", "choices": "Standard\nBusiness\nEnterprise",
         "position": 1, "visible_in_portal": "on"},
    )  # fmt: skip
    assert answer.status_code == 302
    with tenant_context(tenant):
        field = CustomField.objects.get(key="tier")
    assert [c["code"] for c in field.choices] == ["standard", "business", "enterprise"]
    # then the list shows it, and the edit form renames a choice keeping its code
    assert "Contract tier" in client.get("/desk/settings/fields/").content.decode()
    answer = client.post(
        f"/desk/settings/fields/{field.pk}/",
        {"label": "Tier", "type": "choice", "position": 1,
         "choices": "standard = Standard\nbusiness = Business plus\nenterprise = Enterprise"},
    )  # fmt: skip
    assert answer.status_code == 302
    with tenant_context(tenant):
        field.refresh_from_db()
    assert field.key == "tier" and field.choices[1] == {"code": "business", "label": "Business plus"}
    # and archiving moves it to the archived list
    client.post(f"/desk/settings/fields/{field.pk}/archive/")
    with tenant_context(tenant):
        field.refresh_from_db()
    assert field.archived_at is not None


def test_settings_page_refusal_is_a_form_error_not_a_500(tenant, admin):
    client = host_client(tenant, admin)
    answer = client.post("/desk/settings/fields/new/", {"key": "status", "label": "S", "type": "text", "position": 0})
    assert answer.status_code == 400
    assert "already uses" in answer.content.decode()


def test_field_settings_are_for_admins_only(tenant, supervisor):
    assert host_client(tenant, supervisor).get("/desk/settings/fields/").status_code in (403, 404)


# --- Portal and desk forms -------------------------------------------------------------------------------------------


def test_portal_form_asks_for_portal_fields_keeps_them_on_error_and_stores_them(tenant, desk, fields):
    client = host_client(tenant)
    # given the portal form: it shows the product (help text as text) but not the agents' fields
    page = client.get("/new/").content.decode()
    assert 'name="cf_product"' in page and 'name="cf_order"' not in page
    assert "&lt;b&gt;Which&lt;/b&gt; product?" in page
    base = {"name": "Robin", "email": "robin@example.com", "subject": "Help", "description": "Please", "website": ""}
    # when it is sent without the product: refused, what was typed kept
    answer = client.post("/new/", base)
    assert answer.status_code == 400
    assert "Required." in answer.content.decode() and 'value="Help"' in answer.content.decode()
    # when it is sent with a hidden field or a bad code: refused
    assert client.post("/new/", {**base, "cf_product": "nope"}).status_code == 400
    # when it is sent with the product: the ticket carries it
    assert client.post("/new/", {**base, "cf_product": "onprem", "cf_order": "sneaky"}).status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
    assert ticket.custom_fields == {"product": "onprem"}


def test_desk_new_ticket_form_requires_fields_required_at_creation(tenant, agent, desk, fields):
    client = host_client(tenant, agent)
    base = {"email": "pat@customer.example", "channel": "phone", "subject": "Call", "body": "Rang", "priority": 2}
    answer = client.post("/desk/tickets/new/", base)
    assert answer.status_code == 400 and "Required." in answer.content.decode()
    answer = client.post("/desk/tickets/new/", {**base, "cf_product": "cloud", "cf_order": "ORD-7", "cf_seats": "12"})
    assert answer.status_code == 302
    with tenant_context(tenant):
        assert Ticket.objects.get().custom_fields == {"product": "cloud", "order": "ORD-7", "seats": 12}


def test_ticket_page_shows_and_saves_fields_through_the_one_update(tenant, agent, desk, fields):
    (ticket,) = _tickets(tenant, agent, desk, [{"product": "cloud"}])
    client = host_client(tenant, agent)
    url = f"/desk/tickets/{ticket.number}/"
    # given the page: the fields are inputs of the properties form, each with the value shown as its twin
    page = client.get(url).content.decode()
    form = page[page.index('<form class="properties"') : page.index("</form>", page.index('<form class="properties"'))]
    assert 'name="cf_product"' in form and 'name="initial-cf_product" value="cloud"' in form
    assert 'name="cf_seats"' in form and "/fields/" not in page
    # when the agent changes the product and types an order number, and chooses Update
    answer = client.post(
        f"{url}update/", update_form(ticket, custom={"product": "mobile", "order": "<script>x</script>"})
    )
    assert answer.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        kinds = list(TicketEvent.objects.filter(ticket=ticket, kind="custom_field_changed").values_list("field"))
    assert ticket.custom_fields == {"product": "mobile", "order": "<script>x</script>"}
    assert kinds == [("product",), ("product",), ("order",)]
    # then the page shows the text escaped, and the timeline names the change
    page = client.get(url).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "changed Product: Tessera Cloud → Mobile app" in page
    assert 'name="initial-cf_order" value="&lt;script&gt;x&lt;/script&gt;"' in page


def test_ticket_page_refuses_a_hostile_field_value_with_the_message(tenant, agent, desk, fields):
    (ticket,) = _tickets(tenant, agent, desk, [{"product": "cloud"}])
    url = f"/desk/tickets/{ticket.number}/update/"
    client = host_client(tenant, agent)
    for value, message in [
        ("many", "“Seats”: “many” is not a number."),
        ("1e400", "“Seats”: keep it under a trillion (either sign)."),
    ]:
        # when the agent raises the priority and sends a bad number in the same Update
        answer = client.post(url, update_form(ticket, priority="4", custom={"seats": value}), follow=True)
        # then the page says why (a message, not a 500) and nothing was written, not even the priority
        assert answer.status_code == 200 and message in answer.content.decode(), value
    answer = client.post(url, update_form(ticket, custom={"product": "<img src=x onerror=alert(1)>"}), follow=True)
    assert "“Product”: “&lt;img src=x onerror=alert(1)&gt;” is not one of the choices" in answer.content.decode()
    assert "<img src=x" not in answer.content.decode()
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert (ticket.priority, ticket.custom_fields) == (2, {"product": "cloud"})


def test_ticket_page_shows_archived_values_read_only(tenant, admin, agent, desk, fields):
    (ticket,) = _tickets(tenant, agent, desk, [{"product": "cloud", "order": "ORD-1"}])
    with tenant_context(tenant):
        field_services.archive_custom_field(actor=admin, field=fields["order"])
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'name="cf_order"' not in page and "ORD-1" in page and "(archived)" in page


# --- Bulk, filters, sorts, saved views -------------------------------------------------------------------------------


def test_bulk_set_field_changes_each_ticket_through_update_ticket(tenant, agent, desk, fields):
    tickets = _tickets(tenant, agent, desk, [{}, {"product": "cloud"}])
    client = host_client(tenant, agent)
    answer = client.post("/desk/bulk/", {"base": "all", "ids": [t.pk for t in tickets], "do": "field:product=onprem"})
    assert answer.status_code == 302
    answer = client.post(
        "/desk/bulk/", {"base": "all", "ids": [tickets[0].pk], "do": "field:seats", "field_value_seats": "30"}
    )
    with tenant_context(tenant):
        values = [Ticket.objects.get(pk=t.pk).custom_fields for t in tickets]
    assert values == [{"product": "onprem", "seats": 30}, {"product": "onprem"}]


def test_queue_filters_and_sorts_by_custom_fields(tenant, agent, desk, fields):
    tickets = _tickets(
        tenant, agent, desk, [{"product": "cloud", "seats": 5}, {"product": "onprem", "seats": 50}, {"seats": 20}]
    )
    client = host_client(tenant, agent)

    def subjects(query: str) -> list[str]:
        page = client.get(f"/desk/views/all/?{query}").content.decode()
        return [t.subject for t in tickets if f">{t.subject}<" in page]

    assert subjects("cf_product=cloud") == ["T0"]
    assert subjects("cf_product=cloud&cf_product=onprem") == ["T0", "T1"]
    assert subjects("cf_seats_min=10") == ["T1", "T2"]
    assert subjects("cf_seats_min=10&cf_seats_max=30") == ["T2"]
    # sorting by a field: ascending with empty last
    page = client.get("/desk/views/all/?sort=-cf_seats").content.decode()
    assert page.index(">T1<") < page.index(">T2<") < page.index(">T0<")
    # a saved view stores the same query and counts the same tickets
    with tenant_context(tenant):
        view = SavedViewFactory(tenant=tenant, owner=agent, team=None, base="all", query="cf_product=onprem")
        assert list(selectors.saved_view_tickets(agent, view)) == [tickets[1]]


def test_queue_page_queries_with_fields_do_not_grow_with_rows(tenant, agent, desk, fields):
    client = host_client(tenant, agent)
    urls = ["/desk/views/all/?cf_product=cloud", "/desk/views/all/?sort=cf_seats", "/desk/views/all/"]
    _tickets(tenant, agent, desk, [{"product": "cloud", "seats": 1}] * 2)
    few = [count_queries(client, url) for url in urls]
    _tickets(tenant, agent, desk, [{"product": "cloud", "seats": n} for n in range(12)])
    many = [count_queries(client, url) for url in urls]
    assert few == many


def test_ticket_page_queries_with_fields_stay_fixed(tenant, agent, desk, fields):
    small, large = _tickets(tenant, agent, desk, [{"product": "cloud"}, {"product": "cloud", "order": "A"}])
    with tenant_context(tenant):
        for n in range(6):
            update_ticket(ticket=large, changes={"custom_fields": {"seats": n + 1}}, actor=agent)
    client = host_client(tenant, agent)
    assert count_queries(client, f"/desk/tickets/{small.number}/") == count_queries(
        client, f"/desk/tickets/{large.number}/"
    )


# --- API and webhooks ------------------------------------------------------------------------------------------------


def _api(tenant, admin):
    from django.test import Client

    with tenant_context(tenant):
        key = create_api_key(actor=admin, name="CRM", role=Role.AGENT)[1]
    return Client(HTTP_HOST=tenant.host, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_api_reads_writes_and_requires_custom_fields(tenant, admin, desk, fields):
    client = _api(tenant, admin)
    body = {"subject": "From CRM", "body": "Hello", "contact_email": "crm@example.com"}
    # creation without the required product is refused with a message
    answer = client.post("/api/v1/tickets/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 400 and "Product" in answer.json()["message"]
    answer = client.post(
        "/api/v1/tickets/", json.dumps({**body, "custom_fields": {"product": "cloud", "seats": 3}}),
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 201
    created = answer.json()
    assert created["custom_fields"] == {"product": "cloud", "seats": 3}
    # PATCH changes only the keys given; null clears; a bad value is a 400
    url = f"/api/v1/tickets/{created['number']}/"
    answer = client.patch(url, json.dumps({"custom_fields": {"seats": None, "order": "ORD-9"}}),
                          content_type="application/json")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    assert answer.json()["custom_fields"] == {"product": "cloud", "order": "ORD-9"}
    for bad in ({"seats": "lots"}, {"nope": 1}, ["product"], {"product": {"$gt": ""}}):
        answer = client.patch(url, json.dumps({"custom_fields": bad}), content_type="application/json")
        assert answer.status_code == 400, bad
    # the list filters by a field, and the definitions are listed
    assert [t["number"] for t in client.get("/api/v1/tickets/?cf_product=cloud").json()["results"]] == [
        created["number"]
    ]
    assert client.get("/api/v1/tickets/?cf_product=onprem").json()["results"] == []
    listed = client.get("/api/v1/custom-fields/").json()
    assert [f["key"] for f in listed] == ["product", "order", "seats"]
    assert listed[0]["choices"][0] == {"code": "cloud", "label": "Tessera Cloud"}


def test_api_schema_describes_custom_fields(tenant):
    from django.test import Client

    schema = Client(HTTP_HOST=tenant.host).get("/api/schema/").json()
    components = schema["components"]["schemas"]
    assert components["Ticket"]["properties"]["custom_fields"]["type"] == "object"
    assert "custom_fields" in components["TicketCreateRequest"]["properties"]
    assert "custom_fields" in components["PatchedTicketUpdateRequest"]["properties"]
    assert "/api/v1/custom-fields/" in schema["paths"]


def test_webhook_payload_carries_the_field_change_with_codes(tenant, agent, desk, fields):
    import uuid

    from django.utils import timezone

    from tickets.event_kinds import webhook_events
    from tickets.webhooks.events import change_payload

    # given a field change recorded by update_ticket
    (ticket,) = _tickets(tenant, agent, desk, [{"product": "cloud", "order": "Private text"}])
    with tenant_context(tenant):
        changes = list(TicketEvent.objects.filter(ticket=ticket, kind="custom_field_changed").order_by("id"))
        # when the webhook events and payload are made from it
        payload = change_payload(
            ticket, event="ticket.updated", event_id=uuid.uuid4(), occurred_at=timezone.now(), changes=changes
        )
    # then it sets off ticket.updated and carries the key and codes, never the text typed
    assert {webhook_events(event) for event in changes} == {("ticket.updated",)}
    assert [(c["field"], c["old"], c["new"]) for c in payload["changes"]] == [
        ("product", "", "cloud"),
        ("order", "", "(text)"),
    ]
    assert "Private text" not in json.dumps(payload)


# --- Required at resolution through the pages and the API ----------------------------------------------------------


@pytest.fixture
def contract(tenant, admin):
    with tenant_context(tenant):
        return field_services.create_custom_field(
            actor=admin, key="contract", label="Contract tier", type="choice",
            choices=[("", "Standard"), ("", "Enterprise")], required_at_resolution=True,
        )  # fmt: skip


def test_resolving_from_the_page_and_the_composer_is_refused_until_the_field_is_filled(tenant, agent, desk, contract):
    (ticket,) = _tickets(tenant, agent, desk, [{}])
    client = host_client(tenant, agent)
    url = f"/desk/tickets/{ticket.number}/"
    # the page says what is needed before resolving
    assert "Needed before resolving: Contract tier." in client.get(url).content.decode()
    # when the agent sets "resolved" from the properties panel: refused with the reason
    answer = client.post(f"{url}update/", update_form(ticket, status="resolved"), follow=True)
    assert "Fill in “Contract tier” before resolving" in answer.content.decode()
    # when the agent sends a reply with "Set resolved": nothing is sent, the text is kept with the reason
    answer = client.post(f"{url}reply/", {"kind": "reply", "body": "All fixed now.", "status": "resolved"})
    assert answer.status_code == 400
    assert "Contract tier" in answer.content.decode() and "All fixed now." in answer.content.decode()
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == "new" and ticket.messages.count() == 1
    # and filling in the field and resolving in the same Update resolves (the field is written first)
    answer = client.post(
        f"{url}update/", update_form(ticket, status="resolved", custom={"contract": "enterprise"}), follow=True
    )
    assert "Updated status and Contract tier." in answer.content.decode()
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert (ticket.status, ticket.custom_fields) == ("resolved", {"contract": "enterprise"})
    # and once it is filled, the reply that was refused resolves too
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status="open", actor=agent)
    client.post(f"{url}reply/", {"kind": "reply", "body": "All fixed now.", "status": "resolved"})
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_api_resolution_is_refused_until_the_field_is_filled(tenant, admin, agent, desk, contract):
    (ticket,) = _tickets(tenant, agent, desk, [{}])
    client = _api(tenant, admin)
    url = f"/api/v1/tickets/{ticket.number}/"
    answer = client.patch(url, json.dumps({"status": "resolved"}), content_type="application/json")
    assert answer.status_code in (400, 409) and "Contract tier" in answer.json()["message"]
    answer = client.post(
        f"{url}messages/", json.dumps({"body": "Done", "status": "resolved"}), content_type="application/json"
    )
    assert answer.status_code in (400, 409)
    answer = client.patch(
        url, json.dumps({"status": "resolved", "custom_fields": {"contract": "standard"}}),
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["status"] == "resolved"


def test_a_category_a_field_is_limited_to_cannot_be_deleted_silently(tenant, admin):
    from tenancy.usage import find_uses

    with tenant_context(tenant):
        hardware = CategoryFactory(tenant=tenant, name="Hardware")
        field_services.create_custom_field(
            actor=admin, key="serial", label="Serial number", type="text", categories=[hardware]
        )
        assert 'custom field "Serial number"' in find_uses(hardware)
