"""Inbound mail to tickets: one function every entry point calls (HTTP hook, `ingest_email`, IMAP polling).

The raw message and its InboundEmail row are committed first, so nothing that reached us is lost; the row
then records what the intake made of it (a new ticket, a reply, a bounce, ignored, over the sender's limit,
failed) and why. Processing locks that row and does nothing when it already has an outcome, so the same
message delivered twice, or to two of the tenant's addresses, is taken once.

Loop and abuse rules: our own mail is never taken back; machines (auto-replies, lists, bulk) get no
acknowledgement; bounces are recorded on the ticket they concern and never open one; a reply that claims a
ticket is added to it only when its From is the requester or someone copied on it; mail only ever goes back
to the address that wrote to us.

A From proves nothing by itself, and neither do our Message-IDs, a Thread-Index, the signed reply address or
the reference in the subject (they prove which ticket a mail is about, not who wrote it). So a mail joins an
existing conversation as the customer only when the receiving host authenticated its From domain
(tickets.mail.authentication); otherwise it is HELD, with the reason, for an admin to release into the
conversation or open as a new ticket (tickets.mail.held). A new ticket needs no authentication: it joins nothing.
An agent answering from their own mail client (authenticated, to the ticket's signed reply address, from the
address of a staff member who may see the ticket) adds an internal note by that member, never a public reply.
A mail without a usable From whose address was taken from its Sender or Reply-To may open a new ticket, never
join one, and is never acknowledged (an unproven Reply-To would make us a backscatter source).

History (an mbox or Maildir read by `ingest_email`) goes through the same intake while the ticket clock replays
each mail's own date (tickets.clock): nothing is sent, no SLA or routing follow-up runs, and it counts towards
no sender's hourly cap. `preview` says what a mail would become without writing anything (`--dry-run`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy.context import require_tenant_id
from tenancy.models import Membership, Tenant
from tickets import clock
from tickets.mail import identity
from tickets.mail.addresses import SupportAddresses, base_address
from tickets.mail.authentication import Verdict, judge, platform_authserv_ids, stored_authserv_ids
from tickets.mail.outcomes import (
    Outcome,
    accepted_uploads,
    add_agent_note,
    append_reply,
    hold,
    open_new_ticket,
    over_sender_limit,
    record_automatic_reply,
    record_bounce,
    set_outcome,
)
from tickets.mail.parsing import ParsedEmail, parse_email
from tickets.models import (
    Contact,
    ImapMailbox,
    InboundEmail,
    MailSettings,
    Message,
    OutboundEmail,
    SupportAddress,
    Ticket,
)
from tickets.selectors import visible_tickets
from tickets.services.conversation import may_write
from tickets.services.events import ServiceError

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what the entry points accept (HTTP, ingest_email)


def ingest(raw: bytes, *, source: str, mailbox: ImapMailbox | None = None) -> InboundEmail:
    """Take one raw RFC 822 message for the tenant in scope; return its InboundEmail with outcome and reason.
    `mailbox` is the IMAP mailbox it was fetched from (its trusted authserv-ids apply). Never raises for a bad
    message: it is kept, flagged and marked failed. The returned row's `duplicate` is True when it is an earlier
    delivery of this very message (same Message-ID and content digest): nothing new happened.
    Source IMPORT is history: processed while the clock replays the mail's own date (see the module)."""
    require_tenant_id()
    parsed = parse_email(raw)
    inbound, created = _store(raw, parsed, source, mailbox)
    inbound.duplicate = not created
    if not created and inbound.outcome != Outcome.RECEIVED:
        return inbound
    if source == InboundEmail.Source.IMPORT:
        with clock.replaying(parsed.date or timezone.now()):
            processed = process(inbound_id=inbound.pk, parsed=parsed)
    else:
        processed = process(inbound_id=inbound.pk, parsed=parsed)
    processed.duplicate = not created
    return processed


def what_happened(inbound: InboundEmail) -> str:
    """One word for what became of a mail: new, appended, held, duplicate, or the outcome (bounce, ignored,
    rate_limited, failed)."""
    if getattr(inbound, "duplicate", False):
        return "duplicate"
    return {Outcome.NEW_TICKET: "new", Outcome.APPENDED: "appended"}.get(inbound.outcome, str(inbound.outcome))


def authenticate(parsed: ParsedEmail, *, source: str, mailbox: ImapMailbox | None = None) -> Verdict:
    """The receiving host's verdict on the From, read with the authserv-ids trusted where the mail arrived.
    An address taken from Sender or Reply-To is never authenticated: the receiver's verdict is on the From."""
    if parsed.from_fallback:
        return Verdict(False, f"no usable From; the address is taken from {parsed.from_fallback}")
    return judge(
        authentication_results=parsed.authentication_results,
        from_address=parsed.from_address,
        from_ambiguous=parsed.from_ambiguous,
        trusted=trusted_authserv_ids(parsed, source=source, mailbox=mailbox),
    )


def trusted_authserv_ids(parsed: ParsedEmail, *, source: str, mailbox: ImapMailbox | None = None) -> frozenset[str]:
    """Whose Authentication-Results to believe, the most specific setting first: the IMAP mailbox the mail came
    from, the tenant's HTTP endpoint, the support address it was sent to, then the platform's."""
    if mailbox is not None and mailbox.trusted_authserv_ids:
        return stored_authserv_ids(mailbox.trusted_authserv_ids)
    if source == InboundEmail.Source.HTTP:
        endpoint = MailSettings.objects.values_list("trusted_authserv_ids", flat=True).first()
        if endpoint:
            return stored_authserv_ids(endpoint)
    envelope = [parsed.headers.get(h, "").strip().strip("<>").lower() for h in ("delivered-to", "x-original-to")]
    recipients = [a for a in [*envelope, *parsed.recipients] if "@" in a]
    if recipients:
        candidates = {*recipients, *(base_address(a) for a in recipients)}
        overrides = dict(
            SupportAddress.objects.filter(email__in=candidates)
            .exclude(trusted_authserv_ids="")
            .values_list("email", "trusted_authserv_ids")
        )
        for address in recipients:
            override = overrides.get(address) or overrides.get(base_address(address))
            if override:
                return stored_authserv_ids(override)
    return platform_authserv_ids()


def _store(raw: bytes, parsed: ParsedEmail, source: str, mailbox: ImapMailbox | None) -> tuple[InboundEmail, bool]:
    message_id = parsed.message_id
    existing = already_received(message_id, parsed.content_digest)
    if existing is not None:
        return existing, False
    if message_id and (other := InboundEmail.objects.filter(email_message_id=message_id).first()) is not None:
        # A broken mailer gave another message this id: a message of its own, recorded as such.
        parsed.defects.append(f"Message-ID already used by email #{other.pk}, with other content")
    verdict = authenticate(parsed, source=source, mailbox=mailbox)
    inbound = InboundEmail(
        source=source,
        email_message_id=message_id,
        content_digest=parsed.content_digest,
        from_address=parsed.from_address,
        subject=parsed.subject,
        thread_index_root=parsed.thread_index_root,
        size=len(raw),
        is_malformed=parsed.is_malformed,
        defects="\n".join(parsed.defects)[:5000],
        authenticated=verdict.authenticated,
        authentication=verdict.reason[:255],
    )
    inbound.tenant_id = require_tenant_id()
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:
        # The same message arrived at the same moment (two addresses, a retried hook): keep the first.
        inbound.raw.delete(save=False)
        return InboundEmail.objects.get(email_message_id=message_id, content_digest=parsed.content_digest), False
    return inbound, True


def already_received(message_id: str, digest: str = "") -> InboundEmail | None:
    """The stored mail that is this message in the tenant in scope: the same Message-ID and the same content
    digest (a row stored before digests existed matches on its id alone). A cheap check before writing."""
    if not message_id:
        return None
    same = InboundEmail.objects.filter(email_message_id=message_id)
    return same.filter(content_digest__in=[digest, ""] if digest else [""]).order_by("pk").first()


def process(*, inbound_id: int, parsed: ParsedEmail | None = None) -> InboundEmail:
    """Decide what a stored message becomes; idempotent (a message with an outcome is left as it is)."""
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.select_for_update().get(pk=inbound_id)
            if inbound.outcome != Outcome.RECEIVED:
                return inbound
            if parsed is None:
                with inbound.raw.open("rb") as stored:
                    parsed = parse_email(stored.read())
            _decide(inbound, parsed)
            inbound.save(update_fields=["outcome", "reason", "ticket", "message"])
            return inbound
    except ServiceError as refused:
        reason = str(refused)
    except Exception as error:
        logger.exception("Inbound email #%s could not be processed", inbound_id)
        reason = f"Internal error ({type(error).__name__}); the message is kept."
    InboundEmail.objects.filter(pk=inbound_id, outcome=Outcome.RECEIVED).update(
        outcome=Outcome.FAILED, reason=reason[:255]
    )
    return InboundEmail.objects.get(pk=inbound_id)


@dataclass
class _Route:
    """What a mail becomes, decided without writing anything (shared by the intake and `preview`)."""

    action: str  # ignore, bounce, fail, automatic, hold, append, note, open
    reason: str = ""
    ticket: Ticket | None = None
    how: str = ""
    contact: Contact | None = None
    allowed: bool = False
    member: Membership | None = None


def _route(tenant: Tenant, inbound: InboundEmail, parsed: ParsedEmail, addresses: SupportAddresses) -> _Route:
    if _is_our_own(parsed, addresses):
        return _Route("ignore", "Our own outgoing mail (loop protection).")
    if parsed.is_bounce:
        return _Route("bounce")
    if (waiting := addresses.waiting_only(parsed.recipients)) is not None:
        return _Route("ignore", f"Sent to {waiting}, not verified yet: no ticket (Settings → Email).")
    if not parsed.from_address:
        return _Route("fail", "No valid From address: kept for review.")
    if parsed.from_fallback:
        # Whatever it claims, an address that is not the From never speaks in a conversation.
        return _Route("open")
    ticket, how = _find_ticket(tenant, inbound, parsed)
    if ticket is None:
        return _Route("open")
    contact = Contact.objects.filter(email=parsed.from_address).first()
    allowed = contact is not None and may_write(ticket, contact)
    if parsed.is_automatic:
        return _Route("automatic", ticket=ticket, allowed=allowed)
    if allowed and not inbound.authenticated:
        return _Route("hold", ticket=ticket, how=how)
    if allowed:
        return _Route("append", ticket=ticket, how=how, contact=contact)
    if how == "reply address" and inbound.authenticated and (member := _staff_member(parsed, ticket)) is not None:
        return _Route("note", ticket=ticket, how=how, member=member)
    return _Route("open", ticket=ticket, how=how)


def _staff_member(parsed: ParsedEmail, ticket: Ticket) -> Membership | None:
    """The active staff member of this tenant whose sign-in address wrote the mail, if they may see the ticket."""
    members = Membership.objects.filter(
        tenant_id=require_tenant_id(), user__email__iexact=parsed.from_address, is_active=True
    ).select_related("user")
    for member in members:
        if member.is_staff_member and visible_tickets(member).filter(pk=ticket.pk).exists():
            return member
    return None  # the claimed ticket is refused: a new one instead


def _decide(inbound: InboundEmail, parsed: ParsedEmail) -> None:
    tenant = Tenant.objects.get(pk=inbound.tenant_id)
    addresses = SupportAddresses()
    route = _route(tenant, inbound, parsed, addresses)
    if route.action == "ignore":
        return set_outcome(inbound, Outcome.IGNORED, route.reason)
    if route.action == "bounce":
        return record_bounce(inbound, parsed)
    if route.action == "fail":
        return set_outcome(inbound, Outcome.FAILED, route.reason)
    if route.action == "automatic":
        return record_automatic_reply(inbound, route.ticket, allowed=route.allowed)
    if route.action == "hold":
        return hold(inbound, route.ticket, route.how)
    if route.action == "append":
        return append_reply(inbound, parsed, route.ticket, route.contact, route.how)
    if route.action == "note":
        return add_agent_note(inbound, parsed, route.ticket, route.member)
    limit = inbound.source != InboundEmail.Source.IMPORT  # history trips no cap
    open_new_ticket(inbound, parsed, addresses, refused_on=route.ticket, how=route.how, limit=limit)
    return None


@dataclass(frozen=True)
class Preview:
    """What `ingest` would make of a mail, with nothing written: the parsed mail, the one word (new, appended,
    held, duplicate, ...) and the reason, and the attachments that would not be taken."""

    parsed: ParsedEmail
    outcome: str
    reason: str
    refused_attachments: tuple[str, ...] = ()


def preview(raw: bytes, *, source: str, mailbox: ImapMailbox | None = None) -> Preview:
    """Decide what `ingest` would do with this mail in the tenant in scope, reading only (`--dry-run`). A reply
    to a closed ticket shows as appended (the reply service would open a follow-up)."""
    tenant = Tenant.objects.get(pk=require_tenant_id())
    parsed = parse_email(raw)
    _, refused = accepted_uploads(tenant, parsed)
    existing = already_received(parsed.message_id, parsed.content_digest)
    if existing is not None:
        return Preview(parsed, "duplicate", f"The same message as email #{existing.pk}: {existing.reason}")
    verdict = authenticate(parsed, source=source, mailbox=mailbox)
    inbound = InboundEmail(
        source=source, thread_index_root=parsed.thread_index_root, authenticated=verdict.authenticated
    )
    route = _route(tenant, inbound, parsed, SupportAddresses())
    ticket = route.ticket.reference if route.ticket is not None else ""
    outcome, reason = {
        "ignore": ("ignored", route.reason),
        "bounce": ("bounce", "A delivery failure: recorded on the ticket whose mail bounced, no ticket."),
        "fail": ("failed", route.reason),
        "automatic": ("ignored", f"Automatic mail claiming {ticket}: noted at most, not added."),
        "hold": ("held", f"Claims {ticket} (by {route.how}) but the sender is not authenticated ({verdict.reason})."),
        "append": ("appended", f"Would be added to {ticket} (matched by {route.how})."),
        "note": ("appended", f"Would be an internal note by {route.member and route.member.user.email} on {ticket}."),
    }.get(route.action, ("new", ""))
    if outcome == "new":
        limited = source != InboundEmail.Source.IMPORT and over_sender_limit(parsed.from_address)
        if limited:
            outcome, reason = "rate_limited", "Sender over the hourly limit of new tickets: kept, no ticket."
        elif route.ticket is not None:
            reason = f"Claims {ticket} (by {route.how}) but the sender is not on it: would open a new ticket."
        else:
            reason = "Would open a new ticket."
    return Preview(parsed, outcome, reason, tuple(refused))


def _is_our_own(parsed: ParsedEmail, addresses: SupportAddresses) -> bool:
    return (
        identity.is_our_message_id(parsed.message_id)
        or "x-tessera-tenant" in parsed.headers
        or addresses.is_ours(parsed.from_address)
    )


# --- threading -------------------------------------------------------------------------------------------------


def _find_ticket(tenant: Tenant, inbound: InboundEmail, parsed: ParsedEmail) -> tuple[Ticket | None, str]:
    """The ticket this mail answers and how it was recognised: our Message-IDs in In-Reply-To/References,
    Outlook's Thread-Index, a signed reply address, then the reference in the subject."""
    ids = parsed.thread_ids
    if ids:
        found = dict(Message.objects.filter(email_message_id__in=ids).values_list("email_message_id", "ticket_id"))
        found.update(
            OutboundEmail.objects.filter(email_message_id__in=ids, ticket__isnull=False).values_list(
                "email_message_id", "ticket_id"
            )
        )
        for message_id in ids:
            if message_id in found:
                return _ticket(pk=found[message_id]), "in-reply-to"
    if inbound.thread_index_root:
        earlier = (
            # Only the sender's own conversation: a copied Thread-Index header proves nothing about anyone else.
            InboundEmail.objects.filter(
                thread_index_root=inbound.thread_index_root,
                from_address=parsed.from_address,
                ticket__isnull=False,
                outcome__in=(Outcome.NEW_TICKET, Outcome.APPENDED),  # never a held mail's claim
            )
            .exclude(pk=inbound.pk)
            .order_by("-received_at")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if earlier:
            return _ticket(pk=earlier), "thread-index"
    for address in parsed.recipients:
        number = identity.ticket_number_from_reply_address(tenant, address)
        if number is not None and (ticket := _ticket(number=number)) is not None:
            return ticket, "reply address"
    number = identity.ticket_number_from_subject(tenant, parsed.subject)
    if number is not None and (ticket := _ticket(number=number)) is not None:
        return ticket, "subject"
    return None, ""


def _ticket(**lookup) -> Ticket | None:
    return Ticket.objects.select_related("tenant").filter(**lookup).first()
