"""Reads behind the structure settings pages and the tenant's escalation ladder."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from tenancy.models import Membership
from tickets.models import (
    NOT_ESCALATED,
    Category,
    EscalationTier,
    PortalSettings,
    Queue,
    Tag,
    Team,
    TeamMembership,
    Ticket,
)

# The ladder a tenant has before its admins touch it (tickets.tenant_hooks.setup_tenant seeds it).
DEFAULT_TIER_NAMES = ("Tier 1 support", "Tier 2 support", "Tier 3 support")
NOT_ESCALATED_LABEL = "Not escalated"


@dataclass(frozen=True)
class Tier:
    level: int
    name: str


def list_tiers() -> list[Tier]:
    """The tenant's escalation tiers, level 1 upwards. A tenant made without the setup hook (a test's, a shell's)
    has the default ladder until an admin saves its own, so escalation never depends on setup having run."""
    rows = [Tier(level, name) for level, name in EscalationTier.objects.order_by("level").values_list("level", "name")]
    return rows or [Tier(level, name) for level, name in enumerate(DEFAULT_TIER_NAMES, start=1)]


def escalation_choices(tiers: list[Tier] | None = None) -> list[tuple[int, str]]:
    """(level, name) for every level a ticket may be at, 0 (not escalated) first."""
    tiers = list_tiers() if tiers is None else tiers
    return [(NOT_ESCALATED, NOT_ESCALATED_LABEL)] + [(tier.level, tier.name) for tier in tiers]


def escalation_label(level: int | str | None, tiers: list[Tier]) -> str:
    """A level in words: the tier's name; a level above the ladder (tiers were removed since) by its number."""
    try:
        level = int(level or 0)
    except (TypeError, ValueError):
        return str(level)
    if level == NOT_ESCALATED:
        return NOT_ESCALATED_LABEL
    return next((tier.name for tier in tiers if tier.level == level), f"Escalation level {level}")


def get_portal_settings() -> PortalSettings:
    """The tenant's portal settings; an unsaved row of defaults when setup has not made one yet."""
    return PortalSettings.objects.first() or PortalSettings()


def list_category_tree() -> list[Category]:
    """Top-level categories in order, each with its subcategories in order (prefetched) and `ticket_count`s."""
    children = Category.objects.order_by("position", "name")
    parents = list(
        Category.objects.filter(parent=None)
        .order_by("position", "name")
        .prefetch_related(Prefetch("children", queryset=children, to_attr="subcategories"))
    )
    counts = category_ticket_counts()
    for parent in parents:
        parent.ticket_count = counts.get(parent.pk, 0)
        for child in parent.subcategories:
            child.ticket_count = counts.get(child.pk, 0)
    return parents


def category_ticket_counts() -> dict[int, int]:
    """Tickets filed under each category, as category or as subcategory: two grouped queries."""
    counts: dict[int, int] = {}
    for field in ("category", "subcategory"):
        rows = Ticket.objects.filter(**{f"{field}__isnull": False}).values_list(field).annotate(n=Count("id"))
        for category_id, n in rows.order_by():
            counts[category_id] = counts.get(category_id, 0) + n
    return counts


def list_queues_with_counts() -> QuerySet[Queue]:
    return Queue.objects.select_related("team").annotate(ticket_count=Count("tickets")).order_by("name")


def list_teams_with_members() -> QuerySet[Team]:
    members = TeamMembership.objects.select_related("membership__user").order_by("membership__user__email")
    return (
        Team.objects.annotate(queue_count=Count("queues", distinct=True))
        .prefetch_related(Prefetch("teammembership_set", queryset=members, to_attr="member_rows"))
        .order_by("name")
    )


def list_tags_with_counts() -> QuerySet[Tag]:
    return Tag.objects.annotate(ticket_count=Count("tickettag")).order_by("name")


def may_manage_team(member: Membership, team: Team) -> bool:
    """Admins manage every team's membership; a supervisor manages the membership of the teams they are in
    (README: What supervisors may configure). Nobody else does."""
    from tenancy.roles import Role

    if not member.is_active or not member.has_role(Role.SUPERVISOR):
        return False
    if member.has_role(Role.ADMIN):
        return True
    return TeamMembership.objects.filter(team=team, membership=member).exists()


def check_escalation_level(level: object, tiers: list[Tier]) -> None:
    """Refuse a level that is not 0 (not escalated) or one of the tenant's tiers."""
    from tenancy.errors import ServiceError

    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= len(tiers):
        ladder = ", ".join(f"{tier.level} ({tier.name})" for tier in tiers)
        raise ServiceError(f"Escalation level is 0 (not escalated) or one of the tiers: {ladder}.")
