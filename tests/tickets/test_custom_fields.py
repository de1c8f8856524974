"""Custom fields: the settings services, values through the ticket services (audited, in the change feed), and
"required" at creation and at resolution on every path."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange
from tests.tickets.factories import CategoryFactory, ContactFactory, CustomFieldFactory, QueueFactory
from tickets import services
from tickets.custom_fields.definitions import fields_by_key
from tickets.custom_fields.validation import FieldValueError, MissingAtCreation, ResolutionBlocked
from tickets.lifecycle import Status
from tickets.models import CustomField, FeedEntry, Ticket, TicketEvent
from tickets.services import Automation, NothingToChange, update_ticket
from tickets.services import custom_fields as field_services
from tickets.services.bulk import apply_bulk
from tickets.timeline import describe

SLA = Automation(name="SLA sweep")
PRODUCTS = [("cloud", "Tessera Cloud"), ("onprem", "Tessera On-Prem"), ("", "Mobile app")]


@pytest.fixture
def product(tenant, admin):
    with tenant_context(tenant):
        return field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice", choices=PRODUCTS, visible_in_portal=True
        )


def events(ticket, kind="custom_field_changed") -> list[tuple[str, str, str]]:
    rows = TicketEvent.objects.filter(ticket=ticket, kind=kind).order_by("id")
    return [(e.field, e.old_value, e.new_value) for e in rows]


# --- Settings ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_custom_field_makes_codes_and_refuses_bad_keys(tenant, admin, product):
    # given a product field made with one choice without a code
    with tenant_context(tenant):
        # then the new choice got a code from its label
        assert [c["code"] for c in product.choices] == ["cloud", "onprem", "mobile_app"]
        # and keys are checked: pattern, reserved names, uniqueness
        for key, message in [("Product!", "lower-case"), ("status", "already uses"), ("product", "already a field")]:
            with pytest.raises(ServiceError, match=message):
                field_services.create_custom_field(actor=admin, key=key, label="X", type="text")


@pytest.mark.django_db
def test_custom_field_services_refuse_an_agent(tenant, agent):
    with tenant_context(tenant), pytest.raises(ServiceError, match="Only admins"):
        field_services.create_custom_field(actor=agent, key="product", label="Product", type="text")
    with tenant_context(tenant):
        assert not CustomField.objects.exists()


@pytest.mark.django_db
def test_rename_keeps_key_and_history_reads_the_new_labels(tenant, admin, agent, product, new_ticket):
    # given a ticket whose product was set
    ticket = new_ticket()
    with tenant_context(tenant):
        update_ticket(ticket=ticket, changes={"custom_fields": {"product": "cloud"}}, actor=agent)
        # when the admin renames the field and the choice's label
        choices = [{"code": "cloud", "label": "Cloud (SaaS)"}, *product.choices[1:]]
        field_services.update_custom_field(
            actor=admin, field=product, label="Product line", type="choice", choices=choices
        )
        # then the key and the stored code are unchanged, and the trail reads with the new names
        product.refresh_from_db()
        ticket.refresh_from_db()
        assert product.key == "product" and ticket.custom_fields == {"product": "cloud"}
        event = TicketEvent.objects.get(ticket=ticket, kind="custom_field_changed")
        assert describe(event, {}) == "changed Product line: none → Cloud (SaaS)"
        audit = ConfigChange.objects.filter(area="tickets.custom_fields", action="updated").get()
        assert audit.before["label"] == "Product" and audit.after["label"] == "Product line"


@pytest.mark.django_db
def test_type_change_and_removing_a_used_code_are_refused_once_values_exist(tenant, admin, agent, product, new_ticket):
    # given a field with no values yet: its type may change
    with tenant_context(tenant):
        spare = field_services.create_custom_field(actor=admin, key="spare", label="Spare", type="text")
        field_services.update_custom_field(actor=admin, field=spare, label="Spare", type="number")
    ticket = new_ticket()
    with tenant_context(tenant):
        update_ticket(ticket=ticket, changes={"custom_fields": {"product": "onprem"}}, actor=agent)
        # when the admin changes the product's type, or drops the code in use
        with pytest.raises(ServiceError, match="type stays"):
            field_services.update_custom_field(actor=admin, field=product, label="Product", type="text")
        kept = [c for c in product.choices if c["code"] != "onprem"]
        with pytest.raises(ServiceError, match="onprem"):
            field_services.update_custom_field(actor=admin, field=product, label="Product", type="choice", choices=kept)
        # then dropping an unused code is fine
        unused = [c for c in product.choices if c["code"] != "mobile_app"]
        field_services.update_custom_field(actor=admin, field=product, label="Product", type="choice", choices=unused)
        product.refresh_from_db()
        assert product.type == "choice" and [c["code"] for c in product.choices] == ["cloud", "onprem"]


@pytest.mark.django_db
def test_delete_in_use_is_refused_offering_archive_and_archived_fields_are_read_only(
    tenant, admin, agent, product, new_ticket
):
    # given a ticket with a product
    ticket = new_ticket()
    with tenant_context(tenant):
        update_ticket(ticket=ticket, changes={"custom_fields": {"product": "cloud"}}, actor=agent)
        # when the admin deletes the field
        with pytest.raises(ServiceError, match="archive it instead"):
            field_services.delete_custom_field(actor=admin, field=product)
        # then archiving keeps the value, and the field can no longer be written
        field_services.archive_custom_field(actor=admin, field=product)
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"product": "cloud"}
        with pytest.raises(FieldValueError, match="archived"):
            update_ticket(ticket=ticket, changes={"custom_fields": {"product": "onprem"}}, actor=agent)
        # and restoring makes it writable again; an unused field is deleted outright
        field_services.restore_custom_field(actor=admin, field=product)
        update_ticket(ticket=ticket, changes={"custom_fields": {"product": "onprem"}}, actor=agent)
        unused = field_services.create_custom_field(actor=admin, key="unused", label="Unused", type="text")
        field_services.delete_custom_field(actor=admin, field=unused)
        assert not CustomField.objects.filter(key="unused").exists()


@pytest.mark.django_db
def test_other_tenants_fields_are_invisible(tenant, other_tenant, admin, product):
    # given acme's product field
    # when globex reads its fields, or writes acme's key on its own ticket
    other_field = CustomFieldFactory(tenant=other_tenant, key="internal")
    QueueFactory(tenant=other_tenant, is_default=True)
    with tenant_context(other_tenant):
        # then it sees only its own
        assert list(fields_by_key()) == ["internal"]
        contact = ContactFactory(tenant=other_tenant)
        with pytest.raises(FieldValueError, match="no custom field “product”"):
            services.create_ticket(
                actor=contact, contact=contact, subject="Hi", body="Hello", custom_fields={"product": "cloud"}
            )
    with tenant_context(tenant):
        assert "internal" not in fields_by_key()
        assert not CustomField.objects.filter(pk=other_field.pk).exists()


# --- Values --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_update_ticket_sets_values_with_coded_events_in_one_feed_entry(tenant, admin, agent, product, new_ticket):
    # given a ticket, a multi-choice and a text field
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin, key="platforms", label="Platforms", type="multi_choice", choices=[("", "iOS"), ("", "Android")]
        )
        field_services.create_custom_field(actor=admin, key="order", label="Order number", type="text")
    ticket = new_ticket()
    with tenant_context(tenant):
        # when an agent sets them with the priority in one update
        update_ticket(
            ticket=ticket,
            changes={
                "priority": 3,
                "custom_fields": {"product": "cloud", "platforms": ["android", "ios"], "order": "ORD-1042"},
            },
            actor=agent,
        )
        # then the values are stored typed, each change is an event with codes (never the text)
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"product": "cloud", "platforms": ["ios", "android"], "order": "ORD-1042"}
        assert events(ticket) == [
            ("product", "", "cloud"),
            ("platforms", "", "ios"),
            ("platforms", "", "android"),
            ("order", "", "(text)"),
        ]
        # and they are one change-feed entry with the priority change
        entry = FeedEntry.objects.filter(ticket=ticket).order_by("-id").first()
        assert len(entry.event_ids) == 5
        # when the same values are asked again by a person: a NothingToChange; by an automation: a no-op
        with pytest.raises(NothingToChange):
            update_ticket(ticket=ticket, changes={"custom_fields": {"product": "cloud"}}, actor=agent)
        update_ticket(ticket=ticket, changes={"custom_fields": {"product": "cloud"}}, actor=SLA)
        assert len(events(ticket)) == 4
        # and clearing one records old → empty
        update_ticket(ticket=ticket, changes={"custom_fields": {"platforms": ["ios"], "order": None}}, actor=agent)
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"product": "cloud", "platforms": ["ios"]}
        assert events(ticket)[4:] == [("platforms", "android", ""), ("order", "(text)", "")]


@pytest.mark.django_db
def test_update_ticket_refuses_a_bad_value_and_changes_nothing(tenant, agent, product, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        with pytest.raises(FieldValueError, match="not one of the choices"):
            update_ticket(ticket=ticket, changes={"priority": 4, "custom_fields": {"product": "nope"}}, actor=agent)
        ticket.refresh_from_db()
        assert ticket.priority != 4 and ticket.custom_fields == {}


# --- Required at creation --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_ticket_requires_fields_required_at_creation(tenant, admin, agent, desk):
    # given a product required at creation (portal) and an order number required at creation (agents only)
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice", choices=PRODUCTS,
            visible_in_portal=True, required_at_creation=True,
        )  # fmt: skip
        field_services.create_custom_field(
            actor=admin, key="order", label="Order number", type="text", required_at_creation=True
        )
        contact = desk["contact"]
        # when a customer opens a ticket without the product: refused; with it: accepted (order not asked)
        with pytest.raises(MissingAtCreation, match="Product"):
            services.create_ticket(actor=contact, contact=contact, subject="Hi", body="x", custom_fields={})
        ticket = services.create_ticket(
            actor=contact, contact=contact, subject="Hi", body="x", custom_fields={"product": "cloud"}
        )
        assert ticket.custom_fields == {"product": "cloud"}
        assert events(ticket) == [("product", "", "cloud")]
        # and an agent must give both
        with pytest.raises(MissingAtCreation, match="Order number"):
            services.create_ticket(
                actor=agent, contact=contact, subject="Hi", body="x", custom_fields={"product": "cloud"}
            )
        # while email intake (no fields offered) asks for nothing
        services.create_ticket(actor=contact, contact=contact, subject="By mail", body="x", channel="email")


# --- Required at resolution ------------------------------------------------------------------------------------------


@pytest.fixture
def contract(tenant, admin):
    with tenant_context(tenant):
        return field_services.create_custom_field(
            actor=admin, key="contract", label="Contract tier", type="choice",
            choices=[("", "Standard"), ("", "Business"), ("", "Enterprise")], required_at_resolution=True,
        )  # fmt: skip


@pytest.mark.django_db
def test_resolution_is_refused_on_every_path_until_the_field_is_filled(tenant, agent, contract, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        # when an agent resolves from the page, by "send and resolve", by update_ticket, or closes it
        with pytest.raises(ResolutionBlocked, match="Contract tier"):
            services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        with pytest.raises(ResolutionBlocked):
            services.reply(ticket=ticket, actor=agent, body="Fixed.", status=Status.RESOLVED)
        with pytest.raises(ResolutionBlocked):
            update_ticket(ticket=ticket, changes={"status": Status.RESOLVED}, actor=agent)
        with pytest.raises(ResolutionBlocked):
            services.change_status(ticket=ticket, status=Status.CLOSED, actor=agent)
        # then nothing was sent or changed
        ticket.refresh_from_db()
        assert ticket.status == Status.NEW and ticket.messages.count() == 1
        # and an API key (an automation acting for a member) is refused too
        api = Automation(name="API key “CRM”", acting_for=agent)
        with pytest.raises(ResolutionBlocked):
            update_ticket(ticket=ticket, changes={"status": Status.RESOLVED}, actor=api)
        # while other moves are allowed, and filling the field in the same update resolves
        services.change_status(ticket=ticket, status=Status.PENDING, actor=agent)
        update_ticket(
            ticket=ticket, changes={"status": Status.RESOLVED, "custom_fields": {"contract": "business"}}, actor=agent
        )
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED


@pytest.mark.django_db
def test_bulk_resolve_refuses_tickets_missing_the_field(tenant, agent, contract, new_ticket):
    # given two tickets, one with the contract tier filled in
    first, second = new_ticket(), new_ticket(subject="Other")
    with tenant_context(tenant):
        update_ticket(ticket=second, changes={"custom_fields": {"contract": "standard"}}, actor=agent)
        # when both are resolved in bulk
        result = apply_bulk(tickets=[first, second], action="status", actor=agent, status=Status.RESOLVED)
        # then the one without it is refused with the reason, the other resolved
        assert [o.result for o in result.outcomes] == ["refused", "changed"]
        assert "Contract tier" in result.outcomes[0].message


@pytest.mark.django_db
def test_automation_that_cannot_resolve_records_why_once(tenant, contract, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        # when the SLA sweep tries to resolve it twice
        for _ in range(2):
            services.change_status(ticket=ticket, status=Status.RESOLVED, actor=SLA)
        # then the ticket stays as it was, with one event saying why
        ticket.refresh_from_db()
        assert ticket.status == Status.NEW
        blocked = TicketEvent.objects.get(ticket=ticket, kind="resolution_blocked")
        assert blocked.actor_automation == "SLA sweep" and blocked.new_value == "contract"
        assert describe(blocked, {}) == "could not resolve the ticket: Contract tier must be filled in first"


@pytest.mark.django_db
def test_required_at_resolution_applies_only_to_its_categories(tenant, admin, agent, desk, new_ticket):
    with tenant_context(tenant):
        hardware = CategoryFactory(tenant=tenant, name="Hardware")
        field_services.create_custom_field(
            actor=admin, key="serial", label="Serial", type="text", required_at_resolution=True, categories=[hardware]
        )
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
        other = services.create_ticket(
            actor=agent, contact=desk["contact"], subject="Broken", body="x", category=hardware
        )
        with pytest.raises(ResolutionBlocked, match="Serial"):
            services.change_status(ticket=other, status=Status.RESOLVED, actor=agent)


@pytest.mark.django_db
def test_a_customer_cannot_set_a_field_the_portal_does_not_show(tenant, admin, desk):
    # given an agents-only field (it exists in this tenant, so only the guard can refuse it)
    with tenant_context(tenant):
        field_services.create_custom_field(actor=admin, key="internal_note", label="Internal", type="text")
        contact = desk["contact"]
        # when a customer's request carries a value for it
        with pytest.raises(FieldValueError, match="no custom field “internal_note”"):
            services.create_ticket(
                actor=contact, contact=contact, subject="Hi", body="x", custom_fields={"internal_note": "VIP, comp"}
            )
        # then no ticket was opened
        assert not Ticket.objects.exists()
