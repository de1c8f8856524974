"""SLA enforcement pages: supervisors' "At risk" view and admins' escalation ladders (on tenancy.settings_pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sla import at_risk, ladder_services
from sla.forms import LadderStepForm
from sla.models import LadderStep, SlaPolicy, TargetKind
from tenancy.models import Membership
from tenancy.roles import STAFF_ROLES, Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets import selectors as ticket_selectors
from tickets.models import Priority, Queue, Team
from tickets.pagination import paginate
from tickets.selectors.structure import escalation_label, list_tiers


@role_required(Role.SUPERVISOR)
@require_GET
def at_risk_view(request: HttpRequest) -> HttpResponse:
    """Open tickets past an SLA warning (amber) or due (red), the least time left first; a fixed number of
    queries whatever the page holds (count, ids, rows, their targets)."""
    now = timezone.now()
    tickets = at_risk.at_risk_tickets(request.membership, now=now)
    total = ticket_selectors.capped_counts({"total": tickets})["total"]
    page = paginate(
        tickets, request.GET.get("page"), count=total, cap=ticket_selectors.COUNT_CAP,
        load=lambda ids: at_risk.risk_rows(ids, now=now),
    )  # fmt: skip
    context = {
        "page": page,
        "rows": page.rows,
        "cap": ticket_selectors.COUNT_CAP,
        "prefix": request.tenant.ticket_prefix,
    }
    return render(request, "sla/at_risk.html", context)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def ladder(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    staff = (
        Membership.objects.filter(is_active=True, role__in=STAFF_ROLES).select_related("user").order_by("user__email")
    )
    tiers = list_tiers()
    form = LadderStepForm(
        request.POST or None, staff=staff, teams=Team.objects.order_by("name"), queues=Queue.objects.order_by("name"),
        tiers=tiers,
    )  # fmt: skip
    return settings_form_page(
        request,
        form=form,
        template="sla/ladder.html",
        success="Step added: it runs for each ticket when its moment comes.",
        save=lambda data: ladder_services.add_ladder_step(
            actor=request.membership, policy=policy, **form.service_fields()
        ),
        redirect_to=lambda _step: reverse("desk:sla_ladder", args=[policy.pk]),
        context={"policy": policy, "ladders": _ladders(policy, staff, tiers)},
    )


@role_required(Role.ADMIN)
@require_POST
def ladder_step_remove(request: HttpRequest, policy_id: int, step_id: int) -> HttpResponse:
    step = get_object_or_404(LadderStep, pk=step_id, policy_id=policy_id)
    return settings_action(
        request,
        perform=lambda: ladder_services.remove_ladder_step(actor=request.membership, step=step),
        success="Step removed.",
        redirect_to=reverse("desk:sla_ladder", args=[policy_id]),
    )


def _ladders(policy: SlaPolicy, staff, tiers) -> list[dict]:
    """The policy's steps per target kind, each with what it does in words (names looked up once)."""
    names = {member.pk: member.display_name for member in staff}
    teams = dict(Team.objects.values_list("pk", "name"))
    steps = list(LadderStep.objects.filter(policy=policy).select_related("move_to_queue", "reassign_to__user"))
    by_kind = []
    for kind, label in TargetKind.choices:
        rows = [
            {"step": step, "actions": _actions(step, names, teams, tiers)} for step in steps if step.target_kind == kind
        ]
        by_kind.append({"kind": kind, "label": label, "rows": rows})
    return by_kind


def _actions(step: LadderStep, names: dict, teams: dict, tiers) -> list[str]:
    actions = []
    people = [names.get(pk, f"member #{pk}") for pk in step.notify_members]
    people += [f"team {teams.get(pk, f'#{pk}')}" for pk in step.notify_teams]
    if people:
        actions.append(f"notify {', '.join(people)}")
    if step.raise_priority_to:
        actions.append(f"raise priority to {Priority(step.raise_priority_to).label}")
    if step.move_to_queue_id:
        actions.append(f"move to {step.move_to_queue.name}")
    if step.reassign_to_id:
        actions.append(f"reassign to {step.reassign_to.display_name}")
    if step.raise_tier_to:
        actions.append(f"escalate to {escalation_label(step.raise_tier_to, tiers)}")
    return actions
