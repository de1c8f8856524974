"""The customer side: the portal home with the customer's requests, the public request form, a request's
public conversation (reply, reopen, rate)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenancy import rate_caps
from tenancy.hooks import each_hook
from tenancy.rate_caps import Cap
from tenancy.roles import Role, public, role_required
from tickets import clock, selectors, services
from tickets.custom_fields.forms import custom_field_values, show_missing
from tickets.custom_fields.validation import MissingAtCreation
from tickets.errors import TicketError
from tickets.forms import CustomerReplyForm, uploads_from
from tickets.lifecycle import CUSTOMER_WORDING, Status
from tickets.models import Ticket
from tickets.picklists import picklists
from tickets.portal_forms import RatingForm, SubmitRequestForm, public_categories
from tickets.selectors.structure import get_portal_settings
from tickets.services import portal as portal_services
from tickets.services.satisfaction import rate_ticket
from tickets.views.portal_access import FIRST_SIGN_IN_SESSION_KEY

# Requests per hour through the public form: every POST counts per IP, each accepted one per address.
SUBMIT_RATE_PER_IP = "10/h"
SUBMIT_RATE_PER_EMAIL = "5/h"
SUBMITTED_COOKIE = "portal_submitted"
SUBMITTED_SECONDS = 3600
HOME_LIMIT = 50


def _is_customer(request: HttpRequest) -> bool:
    return bool(request.membership) and request.membership.is_active and not request.membership.is_staff_member


@public
def portal_home(request: HttpRequest) -> HttpResponse:
    rows = []
    if _is_customer(request):
        contact = selectors.customer_contact(request.membership)
        tickets = (
            selectors.customer_tickets(request.membership)
            .select_related("contact")
            .only("id", "tenant_id", "number", "subject", "status", "updated_at", "contact__id", "contact__name",
                  "contact__email", "contact__phone")
            .order_by("-updated_at", "-id")[:HOME_LIMIT]
        )  # fmt: skip
        for ticket in tickets:
            theirs = contact is not None and ticket.contact_id != contact.pk
            rows.append((ticket, CUSTOMER_WORDING[ticket.status][0], ticket.contact if theirs else None))
    # Right after a first sign-in the greeting is a welcome, not a "welcome back".
    first_visit = bool(request.session.pop(FIRST_SIGN_IN_SESSION_KEY, False))
    context = {
        "requests": rows,
        "limit": HOME_LIMIT,
        "portal_settings": get_portal_settings(),
        "first_visit": first_visit,
    }
    return render(request, "portal/home.html", context)


@public
def submit_request(request: HttpRequest) -> HttpResponse:
    """The public request form; a signed-in customer writes as themselves."""
    signed_in_as = None
    membership = request.membership if _is_customer(request) else None
    if membership is not None:
        contact = selectors.customer_contact(membership)
        user = membership.user
        signed_in_as = (contact.name if contact and contact.name else user.get_full_name(), user.email)
    form = SubmitRequestForm(
        request.POST or None,
        request.FILES or None,
        tenant=request.tenant,
        categories=public_categories(),
        signed_in_as=signed_in_as,
        portal=picklists().portal_settings,
    )
    if request.method != "POST":
        return render(request, "portal/new.html", {"form": form})
    # The form is checked before anything is counted, so both caps are counted in one round trip: every POST
    # against its network's, each acceptable one against its address's (tenancy.rate_caps).
    valid = not form.is_spam and form.is_valid()
    email = form.cleaned_data["email"].strip().lower() if valid else ""
    caps = [Cap("portal-submit-ip", rate_caps.network(request), SUBMIT_RATE_PER_IP)]
    if valid:
        caps.append(Cap("portal-submit-email", email, SUBMIT_RATE_PER_EMAIL))
    over = rate_caps.first_over(request, caps)
    if over == 0:
        form.add_error(None, "Too many requests were sent from your network. Please try again in an hour.")
        return _form_again(request, form, status=429)
    if form.is_spam:
        # Looks accepted to the bot; nothing is created or mailed.
        return _confirm(request, {"reference": "", "email": ""})
    if not valid:
        return _form_again(request, form, status=400)
    if over == 1:
        form.add_error(None, "We have had several requests from this address in the last hour. Please try later.")
        return _form_again(request, form, status=429)
    try:
        ticket = portal_services.submit_request(
            email=email,
            name=form.cleaned_data["name"],
            subject=form.cleaned_data["subject"],
            description=form.cleaned_data["description"],
            category=form.cleaned_data.get("category"),
            uploads=uploads_from(form.cleaned_data["files"]),
            membership=membership,
            phone=form.cleaned_data.get("phone", ""),
            custom_fields=custom_field_values(form.cleaned_data),
            tenant=request.tenant,
        )
    except MissingAtCreation as missing:
        show_missing(form, missing)
        return _form_again(request, form, status=400)
    except TicketError as refused:
        form.add_error(None, str(refused))
        return _form_again(request, form, status=400)
    # Apps above tickets note what they need of the filing browser, in the ticket's transaction (the KB's
    # deflection counting: kb.tenant_hooks); they act on it from the change feed.
    for filed in each_hook("portal_request_filed"):
        filed(request=request, ticket=ticket)
    done = {
        "reference": request.tenant.format_ticket_number(ticket.number),
        "number": ticket.number,
        "email": ticket.contact.email or "",
        "subject": ticket.subject,
    }
    return _confirm(request, done)


def _confirm(request: HttpRequest, done: dict) -> HttpResponse:
    """Redirect to the confirmation, carrying what it shows in a short-lived signed cookie: an anonymous
    submission must not cost a session row (a write, and a table the public could fill)."""
    response = redirect("portal:submitted")
    response.set_signed_cookie(
        SUBMITTED_COOKIE,
        json.dumps(done),
        salt=_submitted_salt(request),
        max_age=SUBMITTED_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _submitted_salt(request: HttpRequest) -> str:
    # Bound to the tenant: a confirmation cookie made on one help desk's host means nothing on another's.
    return f"portal-submitted:{request.tenant.pk}"


def _form_again(request: HttpRequest, form: SubmitRequestForm, *, status: int) -> HttpResponse:
    files_lost = bool(request.FILES)
    return render(request, "portal/new.html", {"form": form, "files_lost": files_lost}, status=status)


@public
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation after the form: the reference, and where the answers will go."""
    signed = request.get_signed_cookie(
        SUBMITTED_COOKIE, default=None, salt=_submitted_salt(request), max_age=SUBMITTED_SECONDS
    )
    try:
        done = json.loads(signed) if signed else None
    except ValueError:
        done = None
    if not isinstance(done, dict):
        return redirect("portal:new")
    return render(request, "portal/submitted.html", {"done": done, "signed_in": _is_customer(request)})


def _customer_ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        return selectors.customer_tickets(request.membership).select_related("tenant", "contact").get(number=number)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such request.") from missing


@role_required(Role.CUSTOMER)
def request_page(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _customer_ticket(request, number)
    contact = selectors.customer_contact(request.membership)
    form = CustomerReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
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
    return render(
        request,
        "portal/request.html",
        _request_context(ticket, contact, form=form),
        status=400 if form.errors else 200,
    )


def _request_context(ticket: Ticket, contact, *, form=None, rating_form=None) -> dict:
    status, next_step = CUSTOMER_WORDING[ticket.status]
    rating = selectors.get_rating(ticket) if ticket.status in (Status.RESOLVED, Status.CLOSED) else None
    is_requester = contact is not None and ticket.contact_id == contact.pk
    deadline = portal_services.reopen_deadline(ticket)
    if deadline is not None and deadline < clock.now():
        deadline = None
        next_step = "We think this is solved. If it isn't, reply: we'll start a new request linked to this one."
    may_write = portal_services.can_reply(ticket, contact)
    if rating_form is None and is_requester:
        rating_form = RatingForm(initial={"score": rating.score, "comment": rating.comment} if rating else None)
    return {
        "ticket": ticket,
        "contact": contact,
        "status_words": status,
        "next_step": next_step,
        "timeline": selectors.get_timeline(ticket, include_internal=False),
        "form": form or CustomerReplyForm(),
        "may_write": may_write and ticket.status not in (Status.SPAM,),
        "is_requester": is_requester,
        "rating": rating,
        "rating_form": rating_form,
        "may_rate": is_requester and ticket.status in (Status.RESOLVED, Status.CLOSED),
        "reopen_until": deadline if may_write else None,
    }


@role_required(Role.CUSTOMER)
@require_POST
def reopen(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _customer_ticket(request, number)
    contact = selectors.customer_contact(request.membership)
    if contact is None:
        raise Http404("No such request.")
    try:
        portal_services.reopen_request(ticket=ticket, contact=contact)
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Reopened: we'll take another look. Add a reply to tell us what is still wrong.")
    return redirect("portal:request", number=number)


@role_required(Role.CUSTOMER)
@require_POST
def rate_request(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _customer_ticket(request, number)
    contact = selectors.customer_contact(request.membership)
    if contact is None:
        raise Http404("No such request.")
    form = RatingForm(request.POST)
    if not form.is_valid():
        context = _request_context(ticket, contact, rating_form=form)
        return render(request, "portal/request.html", context, status=400)
    try:
        rate_ticket(
            ticket=ticket, contact=contact, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Thank you for your rating.")
    return redirect("portal:request", number=number)
