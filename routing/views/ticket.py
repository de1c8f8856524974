"""The ticket page's routing panel (loaded by htmx from routing's own URL, so the ticket page never imports
routing): the newest decisions in words."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from routing import selectors
from tenancy.roles import Role, role_required
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def ticket_panel(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = ticket_selectors.get_ticket(request.membership, number, tenant=request.tenant)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing
    context = {
        "ticket": ticket,
        "decisions": selectors.ticket_decisions(ticket),
        "may_rerun": request.membership.has_role(Role.ADMIN),
    }
    return render(request, "routing/_ticket_decisions.html", context)
