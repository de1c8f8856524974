"""A short conversation for tests of what the ticket page shows of it (message fragments, the cached timeline)."""

from __future__ import annotations

from tenancy.context import tenant_context
from tickets import services
from tickets.models import Message, Ticket


def printer_conversation(tenant, agent, desk, new_ticket) -> tuple[Ticket, list[int]]:
    """A ticket opened by the desk's contact, an agent's reply and the contact's answer; with its messages' ids."""
    ticket = new_ticket(subject="Printer on fire")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="We are on it.")
        services.reply(ticket=ticket, actor=desk["contact"], body="Still smoking.")
        ids = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("pk", flat=True))
    return ticket, ids
