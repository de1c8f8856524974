"""What the desk's views share: the refusals they turn into messages, and the ticket a URL names."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest

from tenancy.models import CrossTenantError
from tickets import selectors
from tickets.errors import TicketError
from tickets.models import Ticket

# A refused change: its message is written for the person who tried it.
REFUSED = (TicketError, CrossTenantError)


def ticket_or_404(request: HttpRequest, number: int, *, page: bool = False) -> Ticket:
    """The ticket with this number if this member may see it; any other ticket is a 404 (never a 403)."""
    try:
        return selectors.get_ticket(request.membership, number, tenant=request.tenant, page=page)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing


def form_error_text(form: forms.Form) -> str:
    """A form's errors as one line, for a message."""
    return "; ".join(error for errors in form.errors.values() for error in errors) or "Check the form and try again."
