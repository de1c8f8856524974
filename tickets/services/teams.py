"""Settings → Teams. Who may change what (README: What supervisors may configure):

- admins create, rename and delete teams and manage every team's membership;
- a supervisor manages the membership of the teams they belong to themselves (add or remove staff), and
  nothing else about teams; agents manage nothing.

The rule lives in one place, `may_manage_team` (tickets.selectors.structure), which the pages and these
services both ask."""

from __future__ import annotations

from django.db.models.functions import Lower

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.usage import refuse_if_used
from tickets.models import Team, TeamMembership
from tickets.selectors.structure import may_manage_team

AREA = "tickets.teams"
REFUSAL = "Only tenant admins can create, rename or delete teams."
MAX_NAME = 100


def _clean(name: str, exclude: Team | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the team a name.")
    if len(name) > MAX_NAME:
        raise ServiceError(f"Keep the name under {MAX_NAME} characters.")
    clash = Team.objects.annotate(lname=Lower("name")).filter(lname=name.lower())
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ServiceError(f"There is already a team “{name}”.")
    return name


@settings_service(AREA)
def create_team(*, actor: Membership, name: str) -> Team:
    require_admin_or_automation(actor, REFUSAL)
    team = Team.objects.create(name=_clean(name))
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=team, after=snapshot(team, ["name"])
    )
    return team


@settings_service(AREA)
def rename_team(*, actor: Membership, team: Team, name: str) -> Team:
    require_admin_or_automation(actor, REFUSAL)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = snapshot(team, ["name"])
    team.name = _clean(name, exclude=team)
    team.save(update_fields=["name"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=team,
        before=before,
        after=snapshot(team, ["name"]),
    )
    return team


@settings_service(AREA)
def delete_team(*, actor: Membership, team: Team) -> None:
    """Delete a team no queue, saved view or rule uses (refused naming them); tickets it worked keep their
    history, their team left empty."""
    require_admin_or_automation(actor, REFUSAL)
    team = Team.objects.select_for_update().get(pk=team.pk)
    refuse_if_used(team)
    before = snapshot(team, ["name"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=team, before=before, after={"name": None}
    )
    team.delete()


def _require_manager(actor: Membership, team: Team) -> None:
    if not isinstance(actor, Membership) or not may_manage_team(actor, team):
        raise ServiceError("Only admins, and supervisors of this team, can change who is in it.")


@settings_service(AREA)
def add_team_member(*, actor: Membership, team: Team, member: Membership) -> TeamMembership:
    _require_manager(actor, team)
    ensure_same_tenant(team, member)
    if not member.is_active or not member.is_staff_member:
        raise ServiceError(f"{member.display_name} is not an active staff member: only staff join teams.")
    if TeamMembership.objects.filter(team=team, membership=member).exists():
        raise ServiceError(f"{member.display_name} is already in {team.name}.")
    row = TeamMembership.objects.create(team=team, membership=member)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=team,
        before={"member_added": None},
        after={"member_added": member.pk},
    )
    return row


@settings_service(AREA)
def remove_team_member(*, actor: Membership, team: Team, member: Membership) -> None:
    _require_manager(actor, team)
    ensure_same_tenant(team, member)
    deleted, _ = TeamMembership.objects.filter(team=team, membership=member).delete()
    if not deleted:
        raise ServiceError(f"{member.display_name} is not in {team.name}.")
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=team,
        before={"member_removed": None},
        after={"member_removed": member.pk},
    )
