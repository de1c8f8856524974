"""The customer side: the portal home with the customer's requests, and a request's public conversation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tenancy.roles import Role, public, role_required
from tickets import selectors, services
from tickets.errors import TicketError
from tickets.forms import CustomerReplyForm, uploads_from
from tickets.lifecycle import CUSTOMER_WORDING
from tickets.models import Ticket


@public
def portal_home(request: HttpRequest) -> HttpResponse:
    requests = []
    if request.membership and not request.membership.is_staff_member:
        requests = list(
            selectors.customer_tickets(request.membership)
            .only("id", "tenant_id", "number", "subject", "status", "updated_at")
            .order_by("-updated_at")[:50]
        )
    rows = [(t, CUSTOMER_WORDING[t.status][0]) for t in requests]
    return render(request, "portal/home.html", {"requests": rows})


@role_required(Role.CUSTOMER)
def request_page(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = selectors.customer_tickets(request.membership).select_related("tenant").get(number=number)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such request.") from missing
    form = CustomerReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        contact = selectors.customer_contact(request.membership)
        try:
            message = services.reply(
                ticket=ticket,
                actor=contact,
                body=form.cleaned_data["body"],
                uploads=uploads_from(form.cleaned_data["files"]),
            )
        except TicketError as refused:
            form.add_error(None, str(refused))
        else:
            if message.ticket_id != ticket.pk:
                messages.info(request, f"This request was closed, so we opened a new one: {message.ticket.reference}.")
            else:
                messages.success(request, "Reply sent.")
            return redirect("portal:request", number=message.ticket.number)
    status, next_step = CUSTOMER_WORDING[ticket.status]
    context = {
        "ticket": ticket,
        "status_words": status,
        "next_step": next_step,
        "timeline": selectors.get_timeline(ticket, include_internal=False),
        "form": form,
    }
    return render(request, "portal/request.html", context, status=400 if form.errors else 200)
