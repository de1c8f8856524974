"""Reads for customer mail: what went out on a ticket, the settings page's addresses, templates and log."""

from __future__ import annotations

from collections.abc import Iterable

from tenancy.models import AddressClaim
from tickets.digests import matches_digest
from tickets.models import EmailTemplate, MailSettings, OutboundEmail, SupportAddress

RECENT_MAIL_LOG = 50
TICKET_MAILS = 100


def list_ticket_mails(ticket_ids: Iterable[int]) -> list[OutboundEmail]:
    """The latest mails written for these tickets, newest first, in one query on the (tenant, ticket,
    created_at) index; the ticket page shows each reply's mail status and the other mails' failures."""
    return list(
        OutboundEmail.objects.filter(ticket_id__in=list(ticket_ids))
        .only(*TICKET_MAIL_COLUMNS)
        .order_by("-created_at", "-id")[:TICKET_MAILS]
    )


# What the ticket page shows of a mail: its kind, address, fate and times.
TICKET_MAIL_COLUMNS = (
    "id", "tenant_id", "kind", "ticket_id", "message_id", "to_address", "status", "attempts", "last_error",
    "created_at", "sent_at",
)  # fmt: skip


def mails_by_message(mails: list[OutboundEmail]) -> dict[int, OutboundEmail]:
    """The latest mail of each message (the list is newest first)."""
    latest: dict[int, OutboundEmail] = {}
    for outbound in mails:
        if outbound.message_id is not None:
            latest.setdefault(outbound.message_id, outbound)
    return latest


def list_recent_mail(limit: int = RECENT_MAIL_LOG) -> list[OutboundEmail]:
    """The settings page's log: the latest mails with their tickets, in one query on the status index's order."""
    return list(
        OutboundEmail.objects.select_related("ticket")
        .defer("body_text", "body_html", "references")
        .order_by("-created_at", "-id")[:limit]
    )


def list_support_addresses(*, tenant_id: int) -> list[SupportAddress]:
    """The tenant's addresses, each with `claim_state`: "verified", "waiting" (for its verification link) or
    "unavailable" (another tenant holds it: it neither receives nor sends). Two queries."""
    claims = {claim.email: claim for claim in AddressClaim.objects.filter(tenant_id=tenant_id)}
    addresses = list(SupportAddress.objects.select_related("queue").order_by("-is_default", "email"))
    for address in addresses:
        claim = claims.get(address.email)
        address.claim = claim
        address.claim_state = "unavailable" if claim is None else "verified" if claim.is_verified else "waiting"
    return addresses


def templates_by_kind() -> dict[str, EmailTemplate]:
    return {template.kind: template for template in EmailTemplate.objects.select_related("updated_by__user")}


def get_mail_settings() -> MailSettings | None:
    return MailSettings.objects.first()


def inbound_secret_matches(secret: str) -> bool:
    """Whether `secret` is the tenant's inbound mail secret (no secret set: nothing matches)."""
    settings = get_mail_settings()
    return settings is not None and matches_digest(secret, settings.inbound_secret_hash)


def new_tickets_per_sender_per_hour() -> int:
    """The tenant's cap on tickets one address may open by mail in an hour (the model's default when unset)."""
    settings = get_mail_settings()
    default = MailSettings._meta.get_field("new_tickets_per_sender_per_hour").default
    return (settings.new_tickets_per_sender_per_hour if settings else 0) or default
