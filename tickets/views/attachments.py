"""Attachments are served only here, after checking tenant and access; never from a public media URL."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from tenancy.roles import Role, role_required
from tickets.models import Attachment, Message
from tickets.selectors import customer_tickets, visible_tickets
from tickets.services.attachments import SAFE_INLINE_TYPES


def accessible_attachments(membership) -> QuerySet[Attachment]:
    """Attachments this member may open: staff through the tickets they may see; a customer through the public
    messages of the tickets the portal shows them (selectors.customer_tickets, the portal's one door)."""
    if membership.is_staff_member:
        return Attachment.objects.filter(ticket__in=visible_tickets(membership))
    return Attachment.objects.filter(
        message__kind=Message.Kind.REPLY, ticket__in=customer_tickets(membership).values("pk")
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
