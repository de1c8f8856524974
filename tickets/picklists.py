"""The short lists behind the desk's menus and filters (staff, queues, teams, categories, saved views), read once
per tenant and kept in the cache until one of them changes.

Every queue and ticket page shows them (and every portal submission reads the portal settings, the public
categories and the default queue); read afresh they were four queries a page, a tenth of its time at a
million tickets, for lists that change a few times a day. A save or delete of any row they are made of gives the
tenant a new version at once, so the request that made the change shows it (connect() wires the signals), and
again when its transaction commits, so a page that read the old rows meanwhile does not keep them. A copy lives
five minutes at most whatever happens. Writes that skip signals (QuerySet.update, bulk_create) must call
forget() themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models.signals import post_delete, post_save

from tenancy.models import Membership, User
from tenancy.selectors import list_user_tenant_ids
from tenancy.tenant_lists import TenantList
from tickets.models import Category, EscalationTier, PortalSettings, Queue, SavedView, Team, TeamMembership
from tickets.selectors import StaffMember, list_categories, list_staff_members, sees_every_queue
from tickets.selectors.structure import Tier, get_portal_settings, list_tiers

SECONDS = 300
T = TypeVar("T")
# What the lists show of a membership and of a user: a save that changes none of these leaves them alone (an
# agent's availability changes all day; a sign-in writes last_login).
MEMBERSHIP_FIELDS = {"user", "user_id", "role", "is_active"}
USER_FIELDS = {"full_name", "email"}


@dataclass(frozen=True)
class Picklists:
    staff: list[StaffMember]
    queues: list[Queue]  # by name, each with its team
    teams: list[Team]  # by name
    categories: list[Category]  # as selectors.list_categories: parents first, each with its parent
    member_teams: dict[int, frozenset[int]]  # membership id -> its teams
    tiers: list[Tier]  # the escalation ladder, level 1 first
    # Every member's saved views, each with its team, in the sidebar's order (selectors.list_saved_views picks a
    # member's own and their teams'): a query of every list page, for rows that change when someone saves a view.
    saved_views: list[SavedView]
    # What the public request form asks for (read by every portal submission, changed by an admin now and then).
    # Not compared: an unsaved row of defaults (no settings saved yet) equals no other instance.
    portal_settings: PortalSettings = field(compare=False)

    @property
    def default_queue(self) -> Queue | None:
        """Where a new ticket goes unless told otherwise (the one queue marked default)."""
        return next((queue for queue in self.queues if queue.is_default), None)

    def public_categories(self) -> list[Category]:
        """tickets.portal_forms.public_categories, from the lists."""
        rows = sorted((c for c in self.categories if c.is_public and c.is_active), key=lambda c: (c.position, c.name))
        public_top = {c.pk for c in rows if c.parent_id is None}
        return [c for c in rows if c.parent_id is None or c.parent_id in public_top]

    def derived(self, name: Hashable, make: Callable[[], T]) -> T:
        """What a page makes of these lists (a menu's escaped options, the mention list), made once and kept with
        them: the process keeps one copy of the lists per version (tenancy.tenant_lists), so a change to any row
        they are made of (a rename, an erasure) makes everything afresh, and the requests in between share it."""
        made = self.__dict__.setdefault("_derived", {})  # frozen: set on the instance, not through setattr
        try:
            return made[name]
        except KeyError:
            value = made[name] = make()
            return value

    def __getstate__(self) -> dict:
        # What was derived stays with this process's copy: the shared cache keeps the lists only.
        return {name: value for name, value in self.__dict__.items() if name != "_derived"}

    def visible_queues(self, membership: Membership) -> list[Queue]:
        """selectors.visible_queues(membership), from the lists."""
        if sees_every_queue(membership):
            return self.queues
        mine = self.member_teams.get(membership.pk, frozenset())
        return [queue for queue in self.queues if queue.team_id in mine]


def picklists() -> Picklists:
    """The lists of the tenant in scope (once per request, once per process per version: tenancy.tenant_lists)."""
    return LISTS.get()


def forget(tenant_id: int) -> None:
    """The tenant's lists changed: the next page reads them afresh (now, and again once the change commits)."""
    LISTS.forget(tenant_id)


def _load() -> Picklists:
    member_teams: dict[int, set[int]] = {}
    for membership_id, team_id in TeamMembership.objects.values_list("membership_id", "team_id"):
        member_teams.setdefault(membership_id, set()).add(team_id)
    return Picklists(
        staff=list_staff_members(),
        queues=list(Queue.objects.select_related("team").order_by("name")),
        teams=list(Team.objects.order_by("name")),
        categories=list_categories(),
        member_teams={member: frozenset(teams) for member, teams in member_teams.items()},
        tiers=list_tiers(),
        saved_views=list(SavedView.objects.select_related("team").order_by("position", "name", "id")),
        portal_settings=get_portal_settings(),
    )


# Shape 2: with the saved views (the values of the releases before have none).
LISTS = TenantList("picklists", _load, seconds=SECONDS, shape="2")


# --- What changes them ---------------------------------------------------------------------------------------------


def _row_changed(sender, instance, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if sender is Membership and fields is not None and not set(fields) & MEMBERSHIP_FIELDS:
        return
    forget(instance.tenant_id)


def _user_changed(sender, instance, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if fields is not None and not set(fields) & USER_FIELDS:
        return
    for tenant_id in list_user_tenant_ids(user_id=instance.pk):
        forget(tenant_id)


def connect() -> None:
    for model in (Membership, Queue, Team, Category, TeamMembership, EscalationTier, PortalSettings, SavedView):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"picklists.{model.__name__}.save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"picklists.{model.__name__}.delete")
    post_save.connect(_user_changed, sender=User, dispatch_uid="picklists.user.save")
