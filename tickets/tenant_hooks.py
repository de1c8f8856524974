"""What tickets adds to a new tenant, to its setup checklist and settings index, and to "what uses this"
(see tenancy/hooks.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models
from django.http import QueryDict
from django.urls import reverse

from tenancy.members import MemberPanel, MemberWork, WorkItem
from tenancy.models import ConfigChange, Membership, Tenant
from tenancy.roles import Role
from tenancy.settings_pages import SettingsSection
from tenancy.setup import ChecklistItem
from tickets.models import (
    Category,
    CustomField,
    EscalationTier,
    PortalSettings,
    Queue,
    SavedView,
    SupportAddress,
    Tag,
    Team,
    TeamMembership,
    Ticket,
)
from tickets.selectors.structure import DEFAULT_TIER_NAMES
from tickets.services import assignment

STARTER_TEAM = "Support"
STARTER_QUEUE = "General"
STARTER_CATEGORIES = {
    "Question": ["How do I…?", "Account and access"],
    "Problem": ["Something is broken", "Something is slow"],
    "Billing": ["Invoices", "Payments and refunds"],
}

SETTINGS_SECTIONS = (
    SettingsSection(
        "Email",
        "desk:email_settings",
        "Support addresses, mail templates, inbound mail and IMAP, the mail log",
        "Channels",
    ),
    SettingsSection(
        "Attachments", "desk:attachment_settings", "Largest file and the kinds of file accepted", "Channels"
    ),
    SettingsSection("API keys", "desk:api_keys", "Keys for other systems to use the JSON API", "Integrations"),
    SettingsSection("Webhooks", "desk:webhooks", "Tell other systems when tickets change", "Integrations"),
    SettingsSection(
        "Categories", "desk:categories", "Topics tickets are filed under, and which the portal offers", "Tickets"
    ),
    SettingsSection(
        "Queues", "desk:queues", "Where tickets wait, their team, assignment and the default queue", "Tickets"
    ),
    SettingsSection(
        "Teams",
        "desk:teams",
        "Groups of agents; supervisors manage the membership of their own teams",
        "People",
        min_role=Role.SUPERVISOR,
    ),
    SettingsSection("Tags", "desk:tag_settings", "Rename, merge and delete the tags on tickets", "Tickets"),
    SettingsSection(
        "Escalation tiers", "desk:escalation_tiers", "How many escalation tiers, and their names", "Tickets"
    ),
    SettingsSection(
        "Portal and tickets",
        "desk:portal_settings",
        "Welcome text, required fields of the request form, the reopen window",
        "Customers and portal",
    ),
    SettingsSection(
        "Custom fields",
        "desk:custom_fields",
        "Fields tickets carry: asked in the portal, filled by agents, filtered in the queues",
        "Tickets",
    ),
    SettingsSection(
        "Canned responses",
        "desk:canned",
        "Shared replies the whole team can insert",
        "Tickets",
        min_role=Role.SUPERVISOR,
    ),
    SettingsSection(
        "Shared views",
        "desk:saved_views",
        "Share a saved view with a team, or stop sharing it",
        "Tickets",
        min_role=Role.SUPERVISOR,
    ),
)


def setup_tenant(tenant: Tenant, *, admin: Membership) -> None:
    """A team with the first admin in it, a default queue for that team and starter categories, so the portal
    accepts a request the minute the tenant exists; the default escalation ladder and the portal's settings.
    Creates only what is missing."""
    team, _ = Team.objects.get_or_create(name=STARTER_TEAM)
    TeamMembership.objects.get_or_create(team=team, membership=admin)
    if not Queue.objects.filter(is_default=True).exists():
        Queue.objects.create(name=STARTER_QUEUE, team=team, is_default=True)
    if not Category.objects.exists():
        for position, (parent_name, children) in enumerate(STARTER_CATEGORIES.items()):
            parent = Category.objects.create(name=parent_name, position=position)
            for child_position, child_name in enumerate(children):
                Category.objects.create(name=child_name, parent=parent, position=child_position)
    if not EscalationTier.objects.exists():
        for level, name in enumerate(DEFAULT_TIER_NAMES, start=1):
            EscalationTier.objects.create(level=level, name=name)
    PortalSettings.objects.get_or_create()


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    return [
        ChecklistItem(
            key="support_address",
            label="Add your support address",
            description="Mail to it becomes tickets, and replies go out from it.",
            url=reverse("desk:email_settings"),
            done=SupportAddress.objects.exists(),
        ),
        ChecklistItem(
            key="categories",
            label="Review the categories",
            description="What customers choose from in the portal, and what reports group by.",
            url=reverse("desk:categories"),
            done=ConfigChange.objects.filter(area="tickets.categories").exists(),
        ),
    ]


def find_uses(obj: models.Model) -> Iterator[str]:
    """Saved views and support addresses that name a queue, team, category or tag; queues that a team works;
    custom fields limited to a category."""
    if isinstance(obj, Category):
        for field in CustomField.objects.filter(customfieldcategory__category=obj).only("label"):
            yield f'custom field "{field.label}"'
    if isinstance(obj, Queue):
        for address in SupportAddress.objects.filter(queue=obj).only("email"):
            yield f"support address {address.email}"
    if isinstance(obj, Team):
        for queue in Queue.objects.filter(team=obj).only("name"):
            yield f'queue "{queue.name}"'
    yield from _saved_views_using(obj)


FILTER_FOR = {Queue: "queue", Team: "team", Category: "category"}


def _saved_views_using(obj: models.Model) -> Iterator[str]:
    kind = FILTER_FOR.get(type(obj))
    if kind is None and not isinstance(obj, Tag):
        return
    for view in SavedView.objects.only("name", "base", "query"):
        params = QueryDict(view.query)
        if isinstance(obj, Tag):
            used = obj.name.lower() in (value.strip().lower() for value in params.getlist("tag"))
        else:
            used = str(obj.pk) in params.getlist(kind) or (kind == "queue" and view.base == f"queue:{obj.pk}")
        if used:
            yield f'saved view "{view.name}"'


# --- The members page (tenancy/members.py) ------------------------------------------------------------------------

OPEN_WORK_SHOWN = 20


def open_work_of(membership: Membership) -> MemberWork:
    """The member's open tickets, listed when an admin deactivates them."""
    open_tickets = Ticket.objects.filter(assignee=membership, is_open=True)
    shown = open_tickets.select_related("tenant").only("number", "subject", "tenant").order_by("number")
    items = [
        WorkItem(label=f"{ticket.reference}: {ticket.subject}", url=reverse("desk:ticket", args=[ticket.number]))
        for ticket in shown[:OPEN_WORK_SHOWN]
    ]
    total = len(items) if len(items) < OPEN_WORK_SHOWN else open_tickets.count()
    return MemberWork(title="Open tickets", items=items, total=total)


def hand_over_open_work(membership: Membership, *, to: Membership | None, actor: object) -> None:
    """Give a deactivated member's open tickets to `to`, or back to their queue (unassigned), each audited."""
    reason = f"{membership.display_name} was deactivated"
    for ticket in Ticket.objects.filter(assignee=membership, is_open=True).order_by("number"):
        if to is None:
            assignment.unassign(ticket=ticket, actor=actor, reason=reason)
        else:
            assignment.assign(ticket=ticket, assignee=to, actor=actor, reason=reason)


def member_panels(membership: Membership) -> list[MemberPanel]:
    """The member's teams (team membership is edited on the teams page, which tickets owns)."""
    if not Role(membership.role).is_staff:
        return []
    names = list(
        Team.objects.filter(teammembership__membership=membership).order_by("name").values_list("name", flat=True)
    )
    return [MemberPanel(title="Teams", lines=names, empty="In no team.", url=reverse("desk:teams"), link="Edit teams")]
