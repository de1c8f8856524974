"""Settings → Automation → Auto-resolve and auto-close (admins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sla.automation.forms import AutomationSettingsForm
from sla.automation.rules import (
    DEFAULT_RESOLVE_MESSAGE,
    close_delay_days,
    get_automation_settings,
    update_automation_settings,
)
from tenancy.models import Tenant
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_form_page


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def automation_settings(request: HttpRequest) -> HttpResponse:
    settings = get_automation_settings()
    tenant = request.tenant
    form = AutomationSettingsForm(request.POST or None, initial=AutomationSettingsForm.initial_from(settings))
    return settings_form_page(
        request,
        form=form,
        template="sla/automation_settings.html",
        success="Auto-resolve and auto-close saved.",
        save=lambda data: update_automation_settings(
            tenant=Tenant.objects.get(pk=tenant.pk),
            actor=request.membership,
            resolve_after_days=data["resolve_after_days"] if data["resolve_enabled"] else None,
            close_enabled=data["close_enabled"],
            close_after_days=data["close_after_days"],
            resolve_message=data["resolve_message"],
        ),
        redirect_to="desk:sla_automation",
        context={
            "reopen_window_days": tenant.reopen_window_days,
            "close_days": close_delay_days(settings, reopen_window_days=tenant.reopen_window_days),
            "resolve_days": settings.resolve_after_days,
            "default_message": DEFAULT_RESOLVE_MESSAGE,
        },
    )
