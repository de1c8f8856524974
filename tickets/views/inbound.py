"""Mail coming in over HTTP (mail providers' inbound hooks, an MTA that posts), the admins' log of received mail
with the review of held mail, and the original of a received mail for agents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tenancy.roles import Role, public, role_required
from tickets.mail import held
from tickets.mail.intake import MAX_MESSAGE_BYTES, ingest
from tickets.models import InboundEmail
from tickets.selectors import visible_tickets
from tickets.selectors.inbound import RECENT_INBOUND, count_held_emails, list_inbound_emails
from tickets.selectors.mail import inbound_secret_matches
from tickets.views.common import REFUSED

MAX_INBOUND_BYTES = MAX_MESSAGE_BYTES
FORM_FIELDS = ("email", "message")
RAW_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _authorised(request: HttpRequest) -> bool:
    """The Bearer token against the tenant's inbound secret; no secret set: no endpoint."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip()) and inbound_secret_matches(token.strip())


def _read_message(request: HttpRequest) -> bytes | None:
    """The raw message: the request body, or the multipart field "email" / "message" (a file or a text field)."""
    if request.content_type == "multipart/form-data":
        for name in FORM_FIELDS:
            if name in request.FILES:
                upload = request.FILES[name]
                return upload.read(MAX_INBOUND_BYTES + 1)
            if name in request.POST:
                return request.POST[name].encode("utf-8", "surrogateescape")
        return None
    if request.content_type not in RAW_TYPES:
        return None
    return request.read(MAX_INBOUND_BYTES + 1)


@public  # no session roles here: the tenant's inbound secret is the authentication
@csrf_exempt
@transaction.non_atomic_requests  # the raw mail is committed first, whatever happens to its processing
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    """POST a raw RFC 822 message with `Authorization: Bearer <inbound secret>`; answers what became of it."""
    if not _authorised(request):
        return _error("A valid inbound secret is needed (Authorization: Bearer <secret>).", 401)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_INBOUND_BYTES:
        return _error(f"The message is larger than {MAX_INBOUND_BYTES // (1024 * 1024)} MB.", 413)
    try:
        raw = _read_message(request)
    except RequestDataTooBig:
        return _error("The message is too large for a form field; send it as a file or as the request body.", 413)
    if raw is None or not raw.strip():
        return _error(
            "Send the message as the request body (message/rfc822) or as the form field “email”.",
            400,
        )
    if len(raw) > MAX_INBOUND_BYTES:
        return _error(f"The message is larger than {MAX_INBOUND_BYTES // (1024 * 1024)} MB.", 413)
    inbound = ingest(raw, source=InboundEmail.Source.HTTP)
    # "duplicate": an earlier delivery of this very message, whose outcome and reason these are (nothing new).
    duplicate = getattr(inbound, "duplicate", False)
    answer = {"id": inbound.pk, "outcome": inbound.outcome, "reason": inbound.reason, "duplicate": duplicate}
    return JsonResponse(answer)


@role_required(Role.ADMIN)
@require_GET
def inbound_log(request: HttpRequest) -> HttpResponse:
    """Settings → Email → Received mail: what became of each message, failures and refusals included."""
    outcome = request.GET.get("outcome", "")
    if outcome not in InboundEmail.Outcome.values:
        outcome = ""
    context = {
        "emails": list_inbound_emails(outcome=outcome),
        "outcome": outcome,
        # "received" is only the moment before processing.
        "outcomes": [(v, label) for v, label in InboundEmail.Outcome.choices if v != "received"],
        "held_count": count_held_emails(),
        "limit": RECENT_INBOUND,
    }
    return render(request, "tickets/settings_inbound.html", context)


def _held_action(request: HttpRequest, inbound_id: int, action, done: str) -> HttpResponse:
    inbound = get_object_or_404(InboundEmail, pk=inbound_id)  # another tenant's mail is a 404
    was_held = inbound.outcome == InboundEmail.Outcome.HELD
    try:
        inbound = action(actor=request.membership, inbound_id=inbound.pk)
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        if was_held and inbound.outcome != InboundEmail.Outcome.HELD:
            messages.success(request, f"{done} {inbound.reason}")
        else:
            messages.info(request, f"This mail is no longer held; nothing was done. {inbound.reason}")
    return redirect(f"{reverse('desk:inbound_log')}?outcome=held")


@role_required(Role.ADMIN)
@require_POST
def held_email_release(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Settings → Email → Received mail → Held: add the mail to the conversation it claims, as its sender's."""
    return _held_action(request, inbound_id, held.release_held_email, "Released.")


@role_required(Role.ADMIN)
@require_POST
def held_email_open(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Settings → Email → Received mail → Held: open the mail as a new ticket instead."""
    return _held_action(request, inbound_id, held.open_held_email_as_ticket, "Opened as a new ticket.")


@role_required(Role.AGENT)
@require_GET
def original_email(request: HttpRequest, inbound_id: int) -> FileResponse:
    """The received mail exactly as it arrived, for agents who may see its ticket (any other is a 404)."""
    emails = InboundEmail.objects.filter(pk=inbound_id).select_related("ticket__tenant")
    if not request.membership.has_role(Role.ADMIN):
        # Admins also review mail that opened no ticket (failed, over the limit); agents go through tickets.
        emails = emails.filter(ticket__in=visible_tickets(request.membership))
    inbound = emails.first()
    if inbound is None:
        raise Http404("No such email.")
    label = inbound.ticket.reference if inbound.ticket else "received"
    response = FileResponse(
        inbound.raw.open("rb"),
        as_attachment=True,
        filename=f"{label}-email-{inbound.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
