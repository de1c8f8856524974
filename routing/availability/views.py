"""Settings → Assignment and availability (admins): the idle and offline rules, and who is available now."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from routing.availability.selectors import list_availability
from routing.availability.settings import MAX_MINUTES, set_availability_rules
from tenancy.models import Tenant
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_form_page


class AvailabilityRulesForm(forms.Form):
    away_after_idle_minutes = forms.IntegerField(
        label="Mark agents away after idle (minutes)",
        min_value=0,
        max_value=MAX_MINUTES,
        help_text="An online agent who has not used the desk for this long is marked away and gets no new "
        "tickets until they are back. 0: never.",
    )
    return_after_offline_minutes = forms.IntegerField(
        label="Return tickets of agents offline for (minutes)",
        min_value=0,
        max_value=MAX_MINUTES,
        help_text="The open tickets of an agent offline this long go back to their queue, unassigned, and are "
        "assigned by the queue's strategy. 0: never.",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def availability_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = AvailabilityRulesForm(
        request.POST or None,
        initial={
            "away_after_idle_minutes": tenant.away_after_idle_minutes,
            "return_after_offline_minutes": tenant.return_after_offline_minutes,
        },
    )
    return settings_form_page(
        request,
        form=form,
        template="routing/availability_settings.html",
        success="Availability rules saved.",
        save=lambda data: set_availability_rules(
            tenant=Tenant.objects.get(pk=tenant.pk), actor=request.membership, **data
        ),
        redirect_to="desk:routing_availability",
        context={"agents": list_availability()},
    )
