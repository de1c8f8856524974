"""Saved views: a named filter and sort over one of the desk's lists, personal, or shared with a team by a
supervisor or admin. Only the owner renames, re-shares or deletes a view.

A view shared with a team is configuration the team works by: sharing, changing, unsharing or deleting one
writes an audit row ("tickets.saved_views"). A personal view writes none."""

from __future__ import annotations

from django.db import transaction
from django.http import QueryDict

from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.roles import Role
from tickets import selectors
from tickets.models import SavedView, Team
from tickets.services.events import ServiceError, require_staff

# Each view adds one subquery to the sidebar's single count query; this keeps that query small.
MAX_SAVED_VIEWS = 30
# Parameters of the page, not of the filter.
NOT_SAVED = ("page", "saved", "csrfmiddlewaretoken")
MAX_QUERY = 2000
AREA = "tickets.saved_views"
AUDITED_FIELDS = ("name", "base", "query", "team")


def clean_query(query: str) -> str:
    """The filter and sort part of a list's query string, normalised."""
    data = QueryDict(query, mutable=True)
    for key in NOT_SAVED:
        data.pop(key, None)
    for key in [key for key, values in data.lists() if not any(value.strip() for value in values)]:
        data.pop(key)
    cleaned = data.urlencode()
    if len(cleaned) > MAX_QUERY:
        raise ServiceError("These filters are too long to save as a view.")
    return cleaned


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the view a name.")
    if len(name) > 80:
        raise ServiceError("A view's name has at most 80 characters.")
    return name


def _check_team(actor: Membership, team: Team | None) -> None:
    if team is None:
        return
    if not actor.has_role(Role.SUPERVISOR):
        raise ServiceError("Only supervisors and admins can share a view with a team.")
    ensure_same_tenant(actor, team)


def _require_owner(view: SavedView, actor: Membership) -> None:
    require_staff(actor)
    if view.owner_id != actor.pk:
        raise ServiceError("Only the owner of a saved view can change it.")


@settings_service(AREA)
def save_view(*, actor: Membership, name: str, base: str, query: str, team: Team | None = None) -> SavedView:
    """Save the list `base` ("all", "mine", "unassigned", "escalated" or "queue:<id>") filtered by `query`."""
    require_staff(actor)
    name = _clean_name(name)
    try:
        selectors.parse_base(base)
    except ValueError as unknown:
        raise ServiceError("This list cannot be saved as a view.") from unknown
    query = clean_query(query)
    _check_team(actor, team)
    with transaction.atomic():
        if SavedView.objects.filter(owner=actor).count() >= MAX_SAVED_VIEWS:
            raise ServiceError(f"You have {MAX_SAVED_VIEWS} saved views already; delete one to save another.")
        view = SavedView.objects.create(owner=actor, name=name, base=base, query=query, team=team)
        _audit(actor, ConfigChange.Action.CREATED, view, before={})
    return view


@settings_service(AREA)
def update_view(*, view: SavedView, actor: Membership, name: str, team: Team | None) -> SavedView:
    """Rename the view and set who it is shared with (None: personal)."""
    _require_owner(view, actor)
    before = snapshot(view, AUDITED_FIELDS)
    view.name = _clean_name(name)
    if team != view.team:
        _check_team(actor, team)
    view.team = team
    with transaction.atomic():
        view.save(update_fields=["name", "team"])
        _audit(actor, ConfigChange.Action.UPDATED, view, before=before)
    return view


@settings_service(AREA)
def delete_view(*, view: SavedView, actor: Membership) -> None:
    _require_owner(view, actor)
    with transaction.atomic():
        view_id, before = view.pk, snapshot(view, AUDITED_FIELDS)
        view.delete()
        if before["team"] is not None:
            record_config_change(
                actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=view, target_id=view_id,
                before=before,
            )  # fmt: skip


def _audit(actor: Membership, action: str, view: SavedView, *, before: dict) -> None:
    """Record a change to a view shared with a team before or after it; a personal view is not configuration."""
    after = snapshot(view, AUDITED_FIELDS)
    if after["team"] is None and before.get("team") is None:
        return
    record_config_change(actor=actor, area=AREA, action=action, target=view, before=before, after=after)
