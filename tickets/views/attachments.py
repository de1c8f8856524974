"""Attachments are served only here, after checking tenant and access; never from a public media URL."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from tenancy.roles import Role, role_required
from tickets.models import Attachment, Contact, Message, TicketParticipant
from tickets.selectors import visible_tickets
from tickets.services.attachments import SAFE_INLINE_TYPES


def accessible_attachments(membership) -> QuerySet[Attachment]:
    """Attachments this member may open: staff through the tickets they may see; a customer through the public
    messages of tickets they requested or are copied on."""
    if membership.is_staff_member:
        return Attachment.objects.filter(ticket__in=visible_tickets(membership))
    contacts = Contact.objects.filter(membership=membership).values("pk")
    copied = TicketParticipant.objects.filter(contact__in=contacts).values("ticket_id")
    return Attachment.objects.filter(message__kind=Message.Kind.REPLY).filter(
        Q(ticket__contact__in=contacts) | Q(ticket__in=copied)
    )


@role_required(Role.CUSTOMER)
@require_GET
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = accessible_attachments(request.membership).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    inline = request.GET.get("preview") == "1" and attachment.content_type in SAFE_INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if attachment.content_type not in SAFE_INLINE_TYPES:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
