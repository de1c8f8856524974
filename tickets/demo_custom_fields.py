"""Demo custom fields for acme (called from tickets.demo.seed): a product choice shown in the portal, an order
number and a contract tier, filled on the demo tickets through update_ticket (so the trail and feed are real),
at each ticket's own time. Idempotent: fields are made once, and only tickets without a product are filled."""

from __future__ import annotations

import random

from tickets.clock import replaying
from tickets.custom_fields.definitions import fields_by_key
from tickets.models import CustomField, Ticket
from tickets.services import update_ticket
from tickets.services.custom_fields import create_custom_field

FIELDS = [
    {
        "key": "product",
        "label": "Product",
        "type": CustomField.Type.CHOICE,
        "help_text": "Which of our products is this about?",
        "choices": [("cloud", "Tessera Cloud"), ("onprem", "Tessera On-Prem"), ("mobile", "Mobile app")],
        "visible_in_portal": True,
    },
    {
        "key": "order_number",
        "label": "Order number",
        "type": CustomField.Type.TEXT,
        "help_text": "As on the invoice, e.g. ORD-10422.",
        "visible_in_portal": True,
    },
    {
        "key": "contract_tier",
        "label": "Contract tier",
        "type": CustomField.Type.CHOICE,
        "choices": [("standard", "Standard"), ("business", "Business"), ("enterprise", "Enterprise")],
    },
]
PRODUCT_WEIGHTS = {"cloud": 6, "onprem": 3, "mobile": 2}
TIER_WEIGHTS = {"standard": 6, "business": 3, "enterprise": 1}


def seed(demo) -> None:
    if demo.tenant.slug != "acme":
        return
    admin, agent = demo.people["admin"], demo.people["agent"]
    existing = fields_by_key()
    for position, spec in enumerate(FIELDS):
        if spec["key"] not in existing:
            create_custom_field(actor=admin, position=position, **spec)
    rng = random.Random("acme-fields")  # noqa: S311 - reproducible demo data
    tickets = Ticket.objects.exclude(custom_fields__has_key="product").order_by("id")
    for ticket in tickets:
        values = {
            "product": rng.choices(list(PRODUCT_WEIGHTS), weights=list(PRODUCT_WEIGHTS.values()))[0],
            "contract_tier": rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0],
        }
        if rng.random() < 0.6:
            values["order_number"] = f"ORD-{10_000 + ticket.number * 7}"
        with replaying(ticket.updated_at):  # at its last activity: updated_at and the list order stay as they were
            update_ticket(ticket=ticket, changes={"custom_fields": values}, actor=agent, reason="demo data")
