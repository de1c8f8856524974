"""Settings → Email → Mail authentication (admins): the receiving hosts (authserv-ids) whose SPF/DKIM/DMARC
verdict the intake believes, for the HTTP endpoint and per support address (IMAP mailboxes have theirs on
their own page). Empty means the platform's MAIL_TRUSTED_AUTHSERV_IDS."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action
from tickets.models import SupportAddress
from tickets.services import mail_authentication


def _back() -> str:
    return f"{reverse('desk:email_settings')}#mail-authentication"


def _saved(what: str):
    def text(stored: str) -> str:
        if stored:
            return f"{what}: believing the receiving host(s) {stored}."
        return f"{what}: believing the platform's receiving host(s)."

    return text


@role_required(Role.ADMIN)
@require_POST
def endpoint_trust(request: HttpRequest) -> HttpResponse:
    return settings_action(
        request,
        perform=lambda: mail_authentication.set_endpoint_trusted_authserv_ids(
            actor=request.membership, value=request.POST.get("trusted_authserv_ids", "")
        ),
        success=_saved("Inbound endpoint"),
        redirect_to=_back(),
    )


endpoint_trust.allowed_methods = {"POST"}


@role_required(Role.ADMIN)
@require_POST
def support_address_trust(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SupportAddress, pk=pk)
    return settings_action(
        request,
        perform=lambda: mail_authentication.set_trusted_authserv_ids(
            actor=request.membership, target=address, value=request.POST.get("trusted_authserv_ids", "")
        ),
        success=_saved(address.email),
        redirect_to=_back(),
    )
