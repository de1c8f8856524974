"""Outbound webhooks: which events exist (events), where we may send them (targets), how one is sent and
signed (transport) and the delivery task (tasks). Ticket changes reach them through the change feed (the
"webhooks" subscriber, tickets.services.webhooks.queue_change_events); changes to webhooks and deliveries go
through tickets.services.webhooks."""
