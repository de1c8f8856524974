"""The ticket page's assignment reasons (loaded by htmx into templates/routing/_assignment_reasons.html)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from routing.assignment.reasons import list_assignment_reasons
from tenancy.roles import Role, role_required
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


@role_required(Role.AGENT)
@require_GET
def assignment_reasons(request: HttpRequest, number: int) -> HttpResponse:
    """Why the ticket went to whom, in words (the same visibility as the ticket page: otherwise a 404)."""
    try:
        ticket = ticket_selectors.get_ticket(request.membership, number, tenant=request.tenant)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing
    context = {"ticket": ticket, "reasons": list_assignment_reasons(ticket.pk)}
    return render(request, "routing/_assignment_reasons_body.html", context)
