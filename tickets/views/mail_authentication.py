"""Settings → Email → Mail authentication (admins): the receiving hosts (authserv-ids) whose SPF/DKIM/DMARC
verdict the intake believes, for the HTTP endpoint and per support address (IMAP mailboxes have theirs on
their own page). Empty means the platform's MAIL_TRUSTED_AUTHSERV_IDS."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tenancy.roles import Role, role_required
from tickets.models import SupportAddress
from tickets.services import mail_authentication
from tickets.views.common import REFUSED


def _back() -> HttpResponse:
    return redirect(f"{reverse('desk:email_settings')}#mail-authentication")


def _saved(request: HttpRequest, what: str, stored: str) -> None:
    if stored:
        messages.success(request, f"{what}: believing the receiving host(s) {stored}.")
    else:
        messages.success(request, f"{what}: believing the platform's receiving host(s).")


@role_required(Role.ADMIN)
@require_POST
def endpoint_trust(request: HttpRequest) -> HttpResponse:
    try:
        stored = mail_authentication.set_endpoint_trusted_authserv_ids(
            actor=request.membership, value=request.POST.get("trusted_authserv_ids", "")
        )
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        _saved(request, "Inbound endpoint", stored)
    return _back()


endpoint_trust.allowed_methods = {"POST"}


@role_required(Role.ADMIN)
@require_POST
def support_address_trust(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SupportAddress, pk=pk)
    try:
        stored = mail_authentication.set_trusted_authserv_ids(
            actor=request.membership, target=address, value=request.POST.get("trusted_authserv_ids", "")
        )
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        _saved(request, address.email, stored)
    return _back()
