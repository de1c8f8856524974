"""The editor's tools: test the draft against one ticket (changes nothing), simulate it over the last N days,
and re-run the published rules on chosen tickets."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from routing import selectors, services
from routing.compiler import compile_rules
from routing.engine import preview
from routing.forms import RerunForm, SimulateForm, TicketReferenceForm
from routing.names import Names
from routing.simulator import simulate
from tenancy.roles import Role, role_required
from tenancy.settings_pages import REFUSALS, refusal_text
from tickets.models import Ticket


@role_required(Role.ADMIN)
@require_GET
def test_rules(request: HttpRequest) -> HttpResponse:
    """Which draft rules match a ticket and what they would do to it now; nothing is changed."""
    form = TicketReferenceForm(request.GET or None)
    context: dict = {"form": form}
    if request.GET and form.is_valid():
        ticket = Ticket.objects.select_related("queue", "contact").filter(number=form.cleaned_data["ticket"]).first()
        if ticket is None:
            form.add_error("ticket", "There is no ticket with that reference.")
        else:
            names = Names()
            outcome = preview(compile_rules(services.draft_rules()), ticket)
            lines = [
                (
                    match.rule.name,
                    selectors.rule_words(match.held, "all" if match.rule.match_all else "any", names),
                    selectors.actions_words([a for a in outcome.applied if a["rule"] == match.rule.id], names),
                )
                for match in outcome.matches
            ]
            from routing.models import RoutingDecision

            view = selectors.describe_decision(RoutingDecision(matched=[], applied=[], skipped=outcome.skipped), names)
            context |= {"ticket": ticket, "lines": lines, "skips": view.skips}
    return render(request, "routing/test.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_GET
def simulate_rules(request: HttpRequest) -> HttpResponse:
    form = SimulateForm(request.GET or None)
    context: dict = {"form": form}
    if request.GET and form.is_valid():
        result = simulate(days=form.cleaned_data["days"])
        context["result"] = result
        context["hits"] = sorted(
            ((result.rule_names.get(rule, f"#{rule}"), count) for rule, count in result.rule_hits.items()),
            key=lambda item: -item[1],
        )
    return render(request, "routing/simulate.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def rerun(request: HttpRequest) -> HttpResponse:
    """Route chosen tickets again by the published rules (a form of references, or the ticket panel's button)."""
    form = RerunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        numbers = form.cleaned_data["tickets"]
        tickets = list(Ticket.objects.filter(number__in=numbers).order_by("number"))
        missing = sorted(set(numbers) - {t.number for t in tickets})
        try:
            if missing:
                raise services.RuleError(
                    "No ticket " + ", ".join(request.tenant.format_ticket_number(n) for n in missing[:10]) + "."
                )
            decisions = services.rerun_routing(actor=request.membership, tickets=tickets)
        except REFUSALS as refused:
            form.add_error(None, refusal_text(refused))
        else:
            messages.success(request, f"Routed {len(decisions)} ticket{'s' if len(decisions) != 1 else ''} again.")
            back = request.POST.get("back", "")
            if len(tickets) == 1 and back == "ticket":
                return redirect("desk:ticket", number=tickets[0].number)
            return redirect(reverse("desk:routing_rerun"))
    return render(request, "routing/rerun.html", {"form": form}, status=400 if form.errors else 200)
