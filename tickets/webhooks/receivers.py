"""The webhooks' receiver of tickets.signals.ticket_changed (connected in TicketsConfig.ready)."""

from __future__ import annotations

from tickets.services import webhooks


def queue_webhook_deliveries(sender, *, ticket_id: int, kinds: list[str], **kwargs) -> int:
    """Runs in the ticket's tenant (the tickets.ticket_changed task's scope); returns how many were queued."""
    return len(webhooks.queue_ticket_events(ticket_id=ticket_id, kinds=kinds))
