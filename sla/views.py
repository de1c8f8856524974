"""SLA pages: the ticket's clocks (an htmx partial the ticket page loads and refreshes each minute) and the
admins' calendars and policies (on tenancy.settings_pages)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from sla import selectors, services
from sla.forms import CalendarForm, HolidayForm, PolicyForm
from sla.models import Calendar, CalendarHoliday, SlaPolicy
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def ticket_clocks(request: HttpRequest, number: int) -> HttpResponse:
    """The ticket's running targets with the business time left, and its clock log (the same visibility as the
    ticket page: another team's or tenant's ticket is a 404)."""
    try:
        ticket = ticket_selectors.get_ticket(request.membership, number, tenant=request.tenant)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing
    clocks = selectors.ticket_clocks(ticket)
    context = {
        "ticket": ticket,
        "clocks": clocks,
        "header": selectors.header_clock(clocks),  # swapped into the header out of band
        "clock_log": selectors.ticket_clock_log(ticket),
    }
    return render(request, "sla/_ticket_clocks.html", context)


# ---- calendars ----


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def calendar_list(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.POST or None, initial={"time_zone": request.tenant.timezone})
    return settings_form_page(
        request,
        form=form,
        template="sla/calendars.html",
        success="Calendar added.",
        save=lambda data: services.create_calendar(actor=request.membership, **_calendar_fields(data)),
        redirect_to=lambda calendar: f"{_url('desk:sla_calendar', calendar.pk)}",
        context={"calendars": selectors.list_calendars()},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(Calendar, pk=calendar_id)
    form = CalendarForm(request.POST or None, calendar=calendar)
    return settings_form_page(
        request,
        form=form,
        template="sla/calendar.html",
        success="Calendar saved; deadlines follow it from the next change of each ticket.",
        save=lambda data: services.update_calendar(
            actor=request.membership, calendar=calendar, **_calendar_fields(data)
        ),
        redirect_to=lambda saved: _url("desk:sla_calendar", saved.pk),
        context={"calendar": calendar, "holidays": calendar.holidays.all(), "holiday_form": HolidayForm()},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def holiday_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(Calendar, pk=calendar_id)
    form = HolidayForm(request.POST or None)
    return settings_form_page(
        request,
        form=form,
        template="sla/holiday_add.html",
        success="Holiday added.",
        save=lambda data: services.add_holiday(actor=request.membership, calendar=calendar, **data),
        redirect_to=lambda _holiday: _url("desk:sla_calendar", calendar.pk),
        context={"calendar": calendar},
    )


@role_required(Role.ADMIN)
@require_POST
def holiday_remove(request: HttpRequest, calendar_id: int, holiday_id: int) -> HttpResponse:
    holiday = get_object_or_404(CalendarHoliday, pk=holiday_id, calendar_id=calendar_id)
    return settings_action(
        request,
        perform=lambda: services.remove_holiday(actor=request.membership, holiday=holiday),
        success="Holiday removed.",
        redirect_to=_url("desk:sla_calendar", calendar_id),
    )


def _calendar_fields(data: dict) -> dict:
    return {
        "name": data["name"],
        "time_zone": data["time_zone"],
        "hours": data["hours"],
        "holiday_country": data["holiday_country"],
        "holiday_subdivision": data["holiday_subdivision"],
    }


# ---- policies ----


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None)
    return settings_form_page(
        request,
        form=form,
        template="sla/policies.html",
        success="Policy added: it applies to new tickets.",
        save=lambda data: services.create_policy(actor=request.membership, **form.service_fields()),
        redirect_to=lambda policy: _url("desk:sla_policy", policy.pk),
        context={"policies": selectors.list_policies()},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    form = PolicyForm(request.POST or None, policy=policy)
    return settings_form_page(
        request,
        form=form,
        template="sla/policy.html",
        success="Policy saved: new tickets get this version; re-apply it to change open tickets.",
        save=lambda data: services.update_policy(actor=request.membership, policy=policy, **form.service_fields()),
        redirect_to=lambda saved: _url("desk:sla_policy", saved.pk),
        context={"policy": policy, "job": selectors.latest_reapply(policy)},
    )


@role_required(Role.ADMIN)
@require_POST
def policy_reapply(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    return settings_action(
        request,
        perform=lambda: services.request_reapply(actor=request.membership, policy=policy),
        success="Re-applying the policy to open tickets in the background; progress shows below.",
        redirect_to=_url("desk:sla_policy", policy.pk),
    )


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])
