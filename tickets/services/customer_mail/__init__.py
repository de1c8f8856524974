"""Mail to customers: acknowledgements, agent replies, status changes, resolutions with the satisfaction link,
portal sign-in links and password resets.

Each `send_*` writes an OutboundEmail row in the caller's transaction and leaves the task
"tickets.send_outbound_email" in the outbox; the task sends it after commit (no network I/O inside a
transaction), retries with backoff, and keeps the outcome on the row, so a failure shows on the ticket.

Anti-relay: a ticket's mail only ever goes to the ticket's contact, a sign-in link or password reset only to an
address the tenant already knows, and acknowledgements, sign-in links and resets are capped per recipient and
hour (counted from the OutboundEmail rows on their (tenant, to_address, created_at) index). Every `send_*`
returns None when it sends nothing: replayed history, no address, over the cap.

The package's modules: send (what the services call), delivery (the task that sends), writing (wording, sender,
thread, the row), rules (recipients, the hourly cap, the kinds' constants). Callers import from here.
"""

from tickets.services.customer_mail.delivery import awaits_composing, compose_queued, deliver_outbound_email
from tickets.services.customer_mail.rules import (
    AUTO_SUBMITTED,
    MAILS_PER_RECIPIENT_PER_HOUR,
    MAX_REFERENCES,
    MAX_SEND_ATTEMPTS,
    RATE_LIMITED_KINDS,
    SCRUBBED,
    SECRET_KINDS,
    SENDING_LOCK_SECONDS,
    STATUS_MAIL_KINDS,
    TO_COMPOSE,
    Kind,
)
from tickets.services.customer_mail.send import (
    acknowledgement_to_write,
    retry_outbound_email,
    send_acknowledgement,
    send_address_verification,
    send_password_reset,
    send_reply_mail,
    send_sign_in_link,
    send_status_mail,
)
from tickets.services.customer_mail.writing import portal_link

__all__ = [
    "AUTO_SUBMITTED",
    "MAILS_PER_RECIPIENT_PER_HOUR",
    "MAX_REFERENCES",
    "MAX_SEND_ATTEMPTS",
    "RATE_LIMITED_KINDS",
    "SCRUBBED",
    "SECRET_KINDS",
    "SENDING_LOCK_SECONDS",
    "STATUS_MAIL_KINDS",
    "TO_COMPOSE",
    "Kind",
    "acknowledgement_to_write",
    "awaits_composing",
    "compose_queued",
    "deliver_outbound_email",
    "portal_link",
    "retry_outbound_email",
    "send_acknowledgement",
    "send_address_verification",
    "send_password_reset",
    "send_reply_mail",
    "send_sign_in_link",
    "send_status_mail",
]
