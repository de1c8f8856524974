"""Opening a ticket: number, first message, attachments and events in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction

from tenancy.context import require_tenant_id
from tenancy.models import Tenant, ensure_same_tenant
from tenancy.outbox import publish_recorded
from tickets import clock, search_index
from tickets.content import html_to_text, render_plain_text
from tickets.custom_fields.definitions import active_fields
from tickets.custom_fields.validation import MissingAtCreation, merged, missing_at_creation
from tickets.feed.recording import drain_to_write, event_recorded
from tickets.models import Category, Channel, Contact, Message, Priority, Queue, Ticket, TicketParticipant
from tickets.picklists import picklists
from tickets.services.attachments import Upload, store_attachments, validate_uploads
from tickets.services.events import Actor, ServiceError, new_event, record_event
from tickets.services.field_values import clean_values_for, record_value_events
from tickets.services.opening import OpeningMail, write_opening
from tickets.services.tags import apply_tags, normalise_tag


def default_queue() -> Queue:
    # From the tenant's cached lists: every intake without a queue reads it.
    queue = picklists().default_queue
    if queue is None:
        raise ServiceError("This help desk has no default queue yet: an admin must create one.")
    return queue


def create_ticket(
    *,
    actor: Actor,
    contact: Contact,
    subject: str,
    body: str,
    channel: str = Channel.WEB,
    queue: Queue | None = None,
    category: Category | None = None,
    subcategory: Category | None = None,
    priority: int | None = None,
    tags: list[str] | tuple[str, ...] = (),
    participants: list[Contact] | tuple[Contact, ...] = (),
    uploads: list[Upload] | tuple[Upload, ...] = (),
    body_html: str | None = None,
    email_message_id: str = "",
    custom_fields: Mapping[str, object] | None = None,
    received_address: str = "",
) -> Ticket:
    """Open a ticket for `contact`, with `body` (plain text, or `body_html` already sanitised) as its first
    message. A new ticket always has a queue (the tenant's default until routing moves it); without a
    `priority` it takes the queue's default priority.

    `custom_fields` ({key: value}) is given by the intakes that ask for fields (the portal, the desk's form, the
    API): then the fields required at creation must be filled (a customer: only those the portal shows). None
    (email, follow-ups) asks for nothing.

    A `queue` given by a member or an API key (not by a customer, a follow-up or a support address, which all
    act as the customer) is a person's explicit choice: a "queue_chosen" event records it, and routing rules do
    not move the ticket out of it. `received_address` is the support address a mail came to."""
    new = check_ticket(
        by_customer=isinstance(actor, Contact),
        subject=subject,
        body=body,
        channel=channel,
        queue=queue,
        category=category,
        subcategory=subcategory,
        priority=priority,
        tags=tags,
        participants=participants,
        uploads=uploads,
        body_html=body_html,
        email_message_id=email_message_id,
        custom_fields=custom_fields,
        received_address=received_address,
        # The tenant's upload policy only when there is something to check (reading the tenant is a query).
        tenant=contact.tenant if uploads else None,
    )
    return open_ticket(new, actor=actor, contact=contact)


@dataclass(frozen=True)
class NewTicket:
    """A ticket that check_ticket accepted, ready for open_ticket to write."""

    subject: str
    html: str
    text: str
    channel: str
    queue: Queue
    queue_chosen: bool
    priority: int
    category: Category | None
    subcategory: Category | None
    tags: tuple[str, ...]
    participants: tuple[Contact, ...]
    uploads: list
    values: dict
    email_message_id: str
    received_address: str


def check_ticket(
    *,
    by_customer: bool,
    subject: str,
    body: str,
    channel: str = Channel.WEB,
    queue: Queue | None = None,
    category: Category | None = None,
    subcategory: Category | None = None,
    priority: int | None = None,
    tags: list[str] | tuple[str, ...] = (),
    participants: list[Contact] | tuple[Contact, ...] = (),
    uploads: list[Upload] | tuple[Upload, ...] = (),
    body_html: str | None = None,
    email_message_id: str = "",
    custom_fields: Mapping[str, object] | None = None,
    received_address: str = "",
    tenant: Tenant | None = None,
) -> NewTicket:
    """Every refusal of create_ticket (its arguments, `by_customer` for an actor that is a Contact), made before
    anything is written: the portal checks before it writes the submitter's contact, so a refused submission
    leaves nothing behind without a savepoint to roll back to. `tenant`: the tenant in scope, read here when
    there are uploads to check and it is not given."""
    tenant_id = require_tenant_id()
    subject = " ".join(subject.split())[:250]
    if not subject:
        raise ServiceError("A ticket needs a subject.")
    if not body.strip() and not body_html:
        raise ServiceError("Describe the request: the message is empty.")
    if channel not in Channel.values:
        raise ServiceError(f"Unknown channel “{channel}”.")
    if priority is not None and priority not in Priority.values:
        raise ServiceError(f"Unknown priority “{priority}”.")
    if subcategory is not None and subcategory.parent_id != getattr(category, "pk", None):
        raise ServiceError("The subcategory does not belong to the chosen category.")
    queue_chosen = queue is not None and not by_customer
    queue = queue or default_queue()
    priority = queue.default_priority if priority is None else priority
    ensure_same_tenant(queue, category, subcategory, *participants)
    html = body_html if body_html is not None else render_plain_text(body)
    text = html_to_text(html)
    if tags and not {normalise_tag(name) for name in tags} - {""}:
        raise ServiceError("Give at least one tag.")  # apply_tags' refusal, made before anything is written
    checked = []
    if uploads:
        tenant = tenant if tenant is not None and tenant.pk == tenant_id else Tenant.objects.get(pk=tenant_id)
        checked = validate_uploads(tenant=tenant, uploads=list(uploads))
    values = {}
    if custom_fields is not None:
        values = merged({}, clean_values_for(custom_fields, customer=by_customer))
        missing = missing_at_creation(
            active_fields(), values, category_id=getattr(category, "pk", None), portal=by_customer
        )
        if missing:
            raise MissingAtCreation(missing)
    return NewTicket(
        subject=subject,
        html=html,
        text=text,
        channel=channel,
        queue=queue,
        queue_chosen=queue_chosen,
        priority=priority,
        category=category,
        subcategory=subcategory,
        tags=tuple(tags),
        participants=tuple(participants),
        uploads=checked,
        values=values,
        email_message_id=email_message_id,
        received_address=received_address,
    )


def open_ticket(
    new: NewTicket,
    *,
    actor: Actor,
    contact: Contact,
    mail: Callable[[Ticket], OpeningMail | None] | None = None,
) -> Ticket:
    """Write the ticket that check_ticket accepted, for `contact`, as `actor` (create_ticket's second half).
    `mail`: makes the rows of a mail to write with the ticket (the portal's acknowledgement:
    customer_mail.acknowledgement_to_write) from the unsaved ticket; its task is published with the ticket's."""
    ensure_same_tenant(contact, new.queue, new.category, new.subcategory, *new.participants)
    channel, queue, values = new.channel, new.queue, new.values
    # No savepoint: every refusal comes before the first write (check_ticket's, the tenant guard above), so what
    # can still fail in here is the database or the storage, which no caller catches to carry on with the same
    # transaction; it aborts the caller's transaction (or this one, when it is the outermost) as it would have
    # anyway. Inside a request the savepoint cost two statements per ticket.
    with transaction.atomic(savepoint=False):
        now = clock.now()
        ticket = Ticket(
            subject=new.subject,
            contact=contact,
            channel=channel,
            received_address=(new.received_address or "").strip().lower()[:254],
            queue=queue,
            team_id=queue.team_id,
            category=new.category,
            subcategory=new.subcategory,
            priority=new.priority,
            created_at=now,
            updated_at=now,
            last_customer_activity_at=now if isinstance(actor, Contact) else None,
            custom_fields=values,
            **search_index.create_values(new.text),
        )
        ticket.take_scope_tenant()
        message = Message(
            ticket=ticket,
            kind=Message.Kind.REPLY,
            author_contact=contact,
            channel=channel,
            body_html=new.html,
            email_message_id=new.email_message_id[:255],
            created_at=now,
        )
        created = new_event(ticket, actor=actor, kind="created", field="channel", new=channel, at=now)
        # The number, the ticket, its message, its event and the feed's outbox row in one statement
        # (tickets.services.opening).
        drain = drain_to_write()
        opening_mail = mail(ticket) if mail is not None else None
        write_opening(ticket=ticket, message=message, event=created, drain=drain, mail=opening_mail)
        search_index.forget_vector(ticket)
        event_recorded(created, drain=drain)
        if opening_mail is not None:
            publish_recorded(opening_mail.task)
        store_attachments(ticket=ticket, message=message, checked=new.uploads)
        if new.queue_chosen:
            record_event(ticket, actor=actor, kind="queue_chosen", field="queue", new=queue.pk, at=now)
        for participant in new.participants:
            if participant.pk != contact.pk:
                TicketParticipant.objects.get_or_create(ticket=ticket, contact=participant)
                record_event(
                    ticket, actor=actor, kind="participant_added", field="participants", new=participant.pk, at=now
                )
        if new.tags:
            apply_tags(ticket, names=list(new.tags), actor=actor, at=now)
        if values:
            record_value_events(ticket, old={}, new=values, keys=sorted(values), actor=actor, at=now)
    return ticket
