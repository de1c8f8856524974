"""The dashboard: the whole page, each panel on its own (htmx refreshes them every 30 s), and the reassign control
of the at-risk list. Supervisors and admins see the desk; agents see their personal version; customers nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from reporting.dashboard import panels, periods
from tenancy.models import Membership
from tenancy.roles import Role, role_required
from tickets.picklists import picklists
from tickets.services.assignment import assign
from tickets.views.common import REFUSED, ticket_or_404

TEMPLATE = "reporting/dashboard.html"


@dataclass(frozen=True)
class Panel:
    name: str
    build: Callable[[HttpRequest, panels.Scope], dict]


def _summary(request: HttpRequest, scope: panels.Scope) -> dict:
    now = timezone.now()
    today, week = periods.today(request.tenant, now), periods.this_week(request.tenant, now)
    sla_today, sla_week = panels.compliance(scope, today, week)
    return {
        "flow": panels.flow(scope, today),
        "sla_today": sla_today,
        "sla_week": sla_week,
        "csat": panels.satisfaction(scope, week),
        "unassigned": panels.unassigned(scope),
        "week_start": week.start,
        "now": now,
    }


def _risk(request: HttpRequest, scope: panels.Scope) -> dict:
    return {
        "due": panels.due_targets(scope, timezone.now(), tenant=request.tenant),
        "staff_choices": [(m.pk, m.display_name) for m in picklists().staff],
    }


def _my_due(request: HttpRequest, scope: panels.Scope) -> dict:
    mine = scope.narrowed(Q(assignee=scope.membership))
    return {"due": panels.due_targets(mine, timezone.now(), tenant=request.tenant, warned_only=False)}


def _my_load(request: HttpRequest, scope: panels.Scope) -> dict:
    now = timezone.now()
    everyone = panels.agents(scope).everyone
    return {
        "me": everyone[0] if everyone else None,
        "unassigned": panels.unassigned(scope),
        "flow": panels.flow(scope, periods.today(request.tenant, now)),
        "now": now,
    }


DESK_PANELS = {
    panel.name: panel
    for panel in (
        Panel("summary", _summary),
        Panel("risk", _risk),
        Panel("backlog", lambda request, scope: {"backlog": panels.backlog(scope)}),
        Panel("agents", lambda request, scope: {"agents": panels.agents(scope)}),
    )
}
PERSONAL_PANELS = {
    panel.name: panel
    for panel in (
        Panel("my_load", _my_load),
        Panel("my_due", _my_due),
        Panel("my_backlog", lambda request, scope: {"backlog": panels.backlog(scope)}),
    )
}


def _is_supervisor(membership: Membership) -> bool:
    return membership.has_role(Role.SUPERVISOR)


def _scope_and_panels(request: HttpRequest) -> tuple[panels.Scope, dict[str, Panel]]:
    membership = request.membership
    if _is_supervisor(membership):
        return panels.desk_scope(membership), DESK_PANELS
    if not request.tenant.agents_see_own_figures:
        raise PermissionDenied("This help desk shows dashboard figures to supervisors and admins only.")
    return panels.personal_scope(membership), PERSONAL_PANELS


@role_required(Role.AGENT)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope, available = _scope_and_panels(request)
    context: dict = {"personal": scope.personal}
    for panel in available.values():
        context[panel.name] = panel.build(request, scope)
    return render(request, TEMPLATE, context)


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def dashboard_panel(request: HttpRequest, panel: str) -> HttpResponse:
    """One panel's fragment, for htmx's refresh. An agent asking for a supervisor's panel is refused: agents see
    only their own figures."""
    scope, available = _scope_and_panels(request)
    if panel not in available:
        if panel in DESK_PANELS or panel in PERSONAL_PANELS:
            return HttpResponse("This panel is not part of your dashboard.", status=403)
        raise Http404("No such panel.")
    return _panel_response(request, scope, available[panel])


def _panel_response(request: HttpRequest, scope: panels.Scope, panel: Panel, **extra) -> HttpResponse:
    context = {"personal": scope.personal, panel.name: {**panel.build(request, scope), **extra}}
    return render(request, f"{TEMPLATE}#panel_{panel.name}", context)


@role_required(Role.SUPERVISOR)
@require_POST
def dashboard_assign(request: HttpRequest, number: int) -> HttpResponse:
    """Reassign a ticket from the at-risk list (tickets.services.assignment.assign); the list comes back with
    the outcome, or the whole page without JavaScript."""
    ticket = ticket_or_404(request, number)
    raw = request.POST.get("assignee", "")
    valid = raw.isdigit() and len(raw) < 12  # a bigint at most: never a database error
    assignee = Membership.objects.filter(pk=int(raw)).select_related("user").first() if valid else None
    outcome = {}
    if assignee is None:
        outcome["error"] = f"Choose who should take {ticket.reference}."
    else:
        try:
            assign(ticket=ticket, assignee=assignee, actor=request.membership, reason="reassigned from the dashboard")
            outcome["message"] = f"{ticket.reference} is now with {assignee.display_name}."
        except REFUSED as refused:
            outcome["error"] = f"{ticket.reference}: {refused}"
    if not request.htmx:
        level = messages.error if "error" in outcome else messages.success
        level(request, outcome.get("error") or outcome["message"])
        return redirect("desk:dashboard")
    return _panel_response(request, panels.desk_scope(request.membership), DESK_PANELS["risk"], **outcome)
