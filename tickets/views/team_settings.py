"""Settings → Teams (supervisors see them and manage the membership of their own teams; admins do the rest),
Tags and Escalation tiers (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tenancy.models import Membership
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets.models import Tag, Team
from tickets.selectors.structure import list_tags_with_counts, list_teams_with_members, list_tiers, may_manage_team
from tickets.services import escalation_tiers as tier_services
from tickets.services import tag_settings as tag_services
from tickets.services import teams as team_services
from tickets.structure_forms import EscalationTiersForm, TagMergeForm, TagRenameForm, TeamForm, TeamMemberForm

TAGS_PER_PAGE = 50

# --- Teams -----------------------------------------------------------------------------------------------------------


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    """Every team with its members and queues; admins add teams here."""
    is_admin = request.membership.has_role(Role.ADMIN)
    if request.method == "POST" and not is_admin:
        messages.error(request, "Only tenant admins can create teams.")
        return redirect("desk:teams")
    return settings_form_page(
        request,
        form=TeamForm(request.POST or None),
        template="tickets/settings/teams.html",
        success="Team added.",
        save=lambda data: team_services.create_team(actor=request.membership, name=data["name"]),
        redirect_to=lambda team: reverse("desk:team", args=[team.pk]),
        context={"teams": list(list_teams_with_members()), "is_admin": is_admin},
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, pk: int) -> HttpResponse:
    """One team: its members (added and removed by admins and the team's supervisors), its name (admins)."""
    row = get_object_or_404(Team, pk=pk)
    is_admin = request.membership.has_role(Role.ADMIN)
    if request.method == "POST" and not is_admin:
        messages.error(request, "Only tenant admins can rename teams.")
        return redirect("desk:team", pk=row.pk)
    members = list(row.teammembership_set.select_related("membership__user").order_by("membership__user__email"))
    return settings_form_page(
        request,
        form=TeamForm(request.POST or None, initial={"name": row.name}),
        template="tickets/settings/team.html",
        success="Team renamed.",
        save=lambda data: team_services.rename_team(actor=request.membership, team=row, name=data["name"]),
        redirect_to=reverse("desk:team", args=[row.pk]),
        context={
            "team": row,
            "members": [entry.membership for entry in members],
            "is_admin": is_admin,
            "may_manage": may_manage_team(request.membership, row),
            "member_form": TeamMemberForm(team=row),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Team, pk=pk)
    settings_action(
        request,
        perform=lambda: team_services.delete_team(actor=request.membership, team=row),
        success=f"“{row.name}” deleted.",
        redirect_to="desk:teams",
    )
    return redirect("desk:teams") if not Team.objects.filter(pk=row.pk).exists() else redirect("desk:team", pk=pk)


@role_required(Role.SUPERVISOR)
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Team, pk=pk)
    form = TeamMemberForm(request.POST, team=row)
    if not form.is_valid():
        messages.error(request, "Choose a staff member who is not in the team yet.")
        return redirect("desk:team", pk=row.pk)
    member = form.cleaned_data["member"]
    return settings_action(
        request,
        perform=lambda: team_services.add_team_member(actor=request.membership, team=row, member=member),
        success=f"{member.display_name} joined {row.name}.",
        redirect_to=reverse("desk:team", args=[row.pk]),
    )


@role_required(Role.SUPERVISOR)
@require_POST
def team_member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    row = get_object_or_404(Team, pk=pk)
    member = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
    return settings_action(
        request,
        perform=lambda: team_services.remove_team_member(actor=request.membership, team=row, member=member),
        success=f"{member.display_name} left {row.name}.",
        redirect_to=reverse("desk:team", args=[row.pk]),
    )


# --- Tags ------------------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET"])
def tag_settings(request: HttpRequest) -> HttpResponse:
    page = Paginator(list_tags_with_counts(), TAGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/settings/tags.html", {"tags": page})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def tag_setting(request: HttpRequest, pk: int) -> HttpResponse:
    """One tag: rename it here; merge it into another or delete it below."""
    row = get_object_or_404(list_tags_with_counts(), pk=pk)
    return settings_form_page(
        request,
        form=TagRenameForm(request.POST or None, initial={"name": row.name}),
        template="tickets/settings/tag.html",
        success="Tag renamed.",
        save=lambda data: tag_services.rename_tag(actor=request.membership, tag=row, name=data["name"]),
        redirect_to=reverse("desk:tag_setting", args=[row.pk]),
        context={"tag": row, "merge_form": TagMergeForm()},
    )


@role_required(Role.ADMIN)
@require_POST
def tag_merge(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Tag, pk=pk)
    form = TagMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("target", ["Name the tag to merge into."])))
        return redirect("desk:tag_setting", pk=row.pk)
    target = form.cleaned_data["target"]
    settings_action(
        request,
        perform=lambda: tag_services.merge_tags(actor=request.membership, source=row, target=target),
        success=f"“{row.name}” merged into “{target.name}”.",
        redirect_to="desk:tag_settings",
    )
    return _tag_page_or_list(row.pk)


@role_required(Role.ADMIN)
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Tag, pk=pk)
    settings_action(
        request,
        perform=lambda: tag_services.delete_tag(actor=request.membership, tag=row),
        success=f"“{row.name}” deleted and taken off its tickets.",
        redirect_to="desk:tag_settings",
    )
    return _tag_page_or_list(row.pk)


def _tag_page_or_list(pk: int) -> HttpResponse:
    return redirect("desk:tag_setting", pk=pk) if Tag.objects.filter(pk=pk).exists() else redirect("desk:tag_settings")


# --- Escalation tiers ------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def escalation_tiers(request: HttpRequest) -> HttpResponse:
    tiers = list_tiers()
    form = EscalationTiersForm(request.POST or None, names=[tier.name for tier in tiers])
    return settings_form_page(
        request,
        form=form,
        template="tickets/settings/escalation_tiers.html",
        success="Escalation tiers saved.",
        save=lambda data: tier_services.save_escalation_tiers(actor=request.membership, names=data["names"]),
        redirect_to="desk:escalation_tiers",
        context={"tiers": tiers},
    )
