"""Signals that tickets sends after a change has committed; routing, SLA and webhooks connect receivers.

tickets never imports those apps (DESIGN: they react to us). The outbox task `tickets.ticket_changed`
sends `ticket_changed` inside the ticket's tenant, so a receiver's queries are scoped like the change was.
"""

from django.dispatch import Signal

# kwargs: ticket_id (int), kinds (list of audit event kinds, e.g. ["created"] or ["status_changed"])
ticket_changed = Signal()
