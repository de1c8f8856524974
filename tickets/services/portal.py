"""What a customer does in the portal: submit a request through the public form, reopen a resolved one."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from tenancy.models import Membership, Tenant
from tickets import clock
from tickets.lifecycle import Status
from tickets.models import Category, Channel, Contact, Ticket
from tickets.picklists import picklists
from tickets.selectors import customer_contact
from tickets.services.attachments import Upload
from tickets.services.common import lock
from tickets.services.contacts import check_contact_address, get_or_create_contact
from tickets.services.conversation import may_write
from tickets.services.creation import check_ticket, open_ticket
from tickets.services.events import ServiceError
from tickets.services.workflow import change_status

MAX_DESCRIPTION = 20_000


def submit_request(
    *,
    email: str,
    name: str,
    subject: str,
    description: str,
    category: Category | None = None,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    membership: Membership | None = None,
    phone: str = "",
    custom_fields: dict | None = None,
    tenant: Tenant | None = None,
) -> Ticket:
    """Open a web ticket for the submitter, found or created by email (a signed-in customer is their own
    contact, whatever was typed), and acknowledge it to that address only. `category` may be a public
    top-level category or one of its subcategories. The fields the tenant requires (Settings → Portal and
    tickets) are required here too, whatever form sent them; `custom_fields` are the portal's fields
    ({key: value}), those required at creation must be filled.

    The acknowledgement is queued here, its rows written in the ticket's statement, and written by the worker
    (customer_mail.acknowledgement_to_write). `tenant`: the tenant in scope as the request already holds it (else it
    is read), for the mail's Message-ID."""
    from tickets.portal_forms import public_categories  # the form module imports this one
    from tickets.services.customer_mail.send import acknowledgement_to_write

    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(f"Keep the description under {MAX_DESCRIPTION:,} characters.")
    phone = " ".join((phone or "").split())[:40]
    portal = picklists().portal_settings
    if portal.require_category and category is None and public_categories():
        raise ServiceError("Choose the topic of your request.")
    if portal.require_phone and not phone:
        raise ServiceError("Give a phone number we can call you on.")
    top, sub = _public_category(category)
    # Every refusal of the ticket before anything is written: the contact written below then needs no savepoint
    # to roll back to when the view turns a refusal into the form again (two statements a submission).
    new = check_ticket(
        by_customer=True,
        subject=subject,
        body=description,
        channel=Channel.WEB,
        category=top,
        subcategory=sub,
        uploads=uploads,
        custom_fields=custom_fields if custom_fields is not None else {},
        tenant=tenant,
    )
    contact = customer_contact(membership)
    if contact is None:
        check_contact_address(email=email)
    # No savepoint: the refusals are all above (a refusal raised inside a block without one would leave the
    # request's transaction unusable for the form shown again).
    with transaction.atomic(savepoint=False):
        if contact is None:
            contact = get_or_create_contact(email=email, name=name, phone=phone)
            if membership is not None and contact.membership_id is None:
                contact.membership = membership
                contact.save(update_fields=["membership"])
        if phone and not contact.phone:
            contact.phone = phone
            contact.save(update_fields=["phone"])
        if tenant is None or tenant.pk != contact.tenant_id:
            tenant = Tenant.objects.get(pk=contact.tenant_id)
        # The acknowledgement's row and task go in the ticket's statement (tickets.services.opening).
        ticket = open_ticket(
            new, actor=contact, contact=contact, mail=lambda t: acknowledgement_to_write(ticket=t, tenant=tenant)
        )
        ticket.tenant = contact.tenant = tenant
    return ticket


def _public_category(category: Category | None) -> tuple[Category | None, Category | None]:
    if category is None:
        return None, None
    if not (category.is_public and category.is_active) or (
        category.parent_id and not (category.parent.is_public and category.parent.is_active)
    ):
        raise ServiceError("Choose one of the categories offered.")
    if category.parent_id:
        if category.parent.parent_id:
            raise ServiceError("Choose one of the categories offered.")
        return category.parent, category
    return category, None


def can_reply(ticket: Ticket, contact: Contact | None) -> bool:
    """Whether this contact may write on the ticket: its requester or someone copied on it (an organisation
    manager reads a colleague's request but does not speak for them)."""
    return contact is not None and may_write(ticket, contact)


def reopen_deadline(ticket: Ticket):
    """Until when a resolved ticket may be reopened, or None when it is not resolved."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + timedelta(days=ticket.tenant.reopen_window_days)


def reopen_request(*, ticket: Ticket, contact: Contact) -> Ticket:
    """Reopen a resolved request at its requester's (or a participant's) word, within the tenant's reopen
    window; the status change, its "reopened" event and the agents' notification are change_status's."""
    with transaction.atomic():
        ticket = lock(ticket)
        if not can_reply(ticket, contact):
            raise ServiceError("Only the requester or someone copied on this request can reopen it.")
        deadline = reopen_deadline(ticket)
        if deadline is None:
            raise ServiceError("Only a resolved request can be reopened.")
        if clock.now() > deadline:
            raise ServiceError("This request was resolved too long ago to reopen: reply to start a new one.")
        return change_status(ticket=ticket, status=Status.OPEN, actor=contact, reason="reopened in the portal")
