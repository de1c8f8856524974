"""Outbound webhooks: which events exist (events), where we may send them (targets), how one is sent and
signed (transport), the receiver of tickets.signals.ticket_changed (receivers) and the delivery task (tasks).
Changes to webhooks and deliveries go through tickets.services.webhooks."""
