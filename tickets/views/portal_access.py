"""Pages reached from a mail: the passwordless sign-in (ask for a link, open it) and the one-click rating.

Opening a mailed link never changes anything by itself: mail scanners fetch links before people do, so the
GET shows a page and the button on it (a POST) spends the sign-in link or saves the rating.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from tenancy.auth import USER_BACKEND
from tenancy.roles import public
from tickets.errors import TicketError
from tickets.lifecycle import CUSTOMER_WORDING
from tickets.models import Contact, SatisfactionRating, Ticket
from tickets.portal_forms import RatingForm, SignInLinkForm
from tickets.services import portal_access
from tickets.services.satisfaction import RATEABLE, SCORES, InvalidRatingLink, rate_ticket, read_rating_token

SIGN_IN_RATE_PER_IP = "10/h"
SIGN_IN_RATE_PER_EMAIL = "5/h"
SIGN_IN_SESSION_KEY = "portal_sign_in_email"
FIRST_SIGN_IN_SESSION_KEY = "portal_first_sign_in"


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: it must not travel to another site in a Referer header. ("no-referrer" would
    # also make browsers send "Origin: null" with the page's own form, which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def safe_next(request: HttpRequest, value: str | None) -> str:
    """`value` if it is a page of this host to go back to after signing in, else "" (never another site)."""
    value = (value or "").strip()
    if not value or not portal_access.is_local_path(value):
        return ""
    hosts = {request.get_host()}
    same_host = url_has_allowed_host_and_scheme(value, allowed_hosts=hosts, require_https=request.is_secure())
    return value if same_host else ""


@public
def request_link(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether or not the address is a customer's. A `next`
    page of this host (the request a notification mail linked to) travels in the link."""
    form = SignInLinkForm(request.POST or None)
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context = {"form": form, "next": next_path}
    if request.method == "POST":
        if is_ratelimited(request, group="portal-sign-in-ip", key="ip", rate=SIGN_IN_RATE_PER_IP, increment=True):
            form.add_error(None, "Too many sign-in links were asked for from your network. Try again in an hour.")
            return render(request, "portal/sign_in.html", context, status=429)
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            limited = is_ratelimited(
                request, group="portal-sign-in-email", key=lambda g, r: email, rate=SIGN_IN_RATE_PER_EMAIL,
                increment=True,
            )  # fmt: skip
            if limited:
                form.add_error(None, "Several links were sent to this address in the last hour. Use the newest one.")
                return render(request, "portal/sign_in.html", context, status=429)
            try:
                ip = request.META.get("REMOTE_ADDR", "")
                portal_access.request_sign_in_link(tenant=request.tenant, email=email, ip=ip, next_path=next_path)
            except TicketError as refused:
                form.add_error("email", str(refused))
            else:
                request.session[SIGN_IN_SESSION_KEY] = email
                return redirect("portal:sign_in_sent")
    return render(request, "portal/sign_in.html", context, status=400 if form.errors else 200)


@public
def link_sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get(SIGN_IN_SESSION_KEY)
    if not email:
        return redirect("portal:sign_in")
    return render(request, "portal/sign_in_sent.html", {"email": email, "minutes": portal_access.LINK_MINUTES})


@public
@never_cache
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: check the link and offer the sign-in button; POST: spend the link and sign in."""
    try:
        if request.method == "POST":
            membership = portal_access.sign_in_with_token(token=token)
        else:
            row = portal_access.check_sign_in_token(token=token)
    except portal_access.InvalidSignInLink as refused:
        context = {"problem": str(refused), "form": SignInLinkForm()}
        return _no_referrer(render(request, "portal/sign_in_failed.html", context, status=400))
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method != "POST":
        return _no_referrer(render(request, "portal/sign_in_confirm.html", {"email": row.email, "next": next_path}))
    first = membership.user.last_login is None
    login(request, membership.user, backend=USER_BACKEND)
    if first:
        # The portal's home greets a returning customer with "Welcome back": not on their first visit.
        request.session[FIRST_SIGN_IN_SESSION_KEY] = True
        messages.success(request, f"Welcome to {request.tenant.brand_name} support: you're signed in.")
    else:
        messages.success(request, "You're signed in.")
    return redirect(next_path or "portal:home")


def _rating_target(request: HttpRequest, token: str) -> tuple[Ticket, Contact]:
    link = read_rating_token(token, tenant_id=request.tenant.pk)
    ticket = Ticket.objects.filter(pk=link.ticket_id).select_related("tenant").first()
    contact = Contact.objects.filter(pk=link.contact_id).first()
    if ticket is None or contact is None:
        raise InvalidRatingLink("This request no longer exists.")
    return ticket, contact


@public
@never_cache
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click rating page from the resolution mail: the clicked score is preselected (GET changes
    nothing); the button saves it with the comment."""
    try:
        ticket, contact = _rating_target(request, token)
    except InvalidRatingLink as refused:
        return _no_referrer(render(request, "portal/rate.html", {"problem": str(refused)}, status=400))
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating = rate_ticket(
                    ticket=ticket,
                    contact=contact,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except TicketError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Thank you for your rating.")
                return redirect("portal:rate", token=token)
    else:
        clicked = request.GET.get("score", "")
        score = int(clicked) if clicked.isdigit() and int(clicked) in SCORES else getattr(rating, "score", None)
        form = RatingForm(initial={"score": score, "comment": getattr(rating, "comment", "")})
    context = {
        "ticket": ticket,
        "form": form,
        "rating": rating,
        "rateable": ticket.status in RATEABLE,
        "status_words": CUSTOMER_WORDING[ticket.status][0],
    }
    return _no_referrer(render(request, "portal/rate.html", context, status=400 if form.errors else 200))
