"""Settings → Portal and tickets (admins): welcome text, required fields of the request form, reopen window."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_form_page
from tickets.selectors.structure import get_portal_settings
from tickets.services.portal_settings import update_portal_settings
from tickets.structure_forms import PortalSettingsForm


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def portal_settings(request: HttpRequest) -> HttpResponse:
    portal = get_portal_settings()
    initial = {
        "welcome_text": portal.welcome_text,
        "require_category": portal.require_category,
        "require_phone": portal.require_phone,
        "reopen_window_days": request.tenant.reopen_window_days,
    }
    return settings_form_page(
        request,
        form=PortalSettingsForm(request.POST or None, initial=initial),
        template="tickets/settings/portal.html",
        success="Portal settings saved.",
        save=lambda data: update_portal_settings(tenant=request.tenant, actor=request.membership, **data),
        redirect_to="desk:portal_settings",
    )
