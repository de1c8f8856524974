"""What tickets adds to a new tenant, to its setup checklist and settings index, and to "what uses this"
(see tenancy/hooks.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models
from django.http import QueryDict
from django.urls import reverse

from tenancy.models import ConfigChange, Membership, Tenant
from tenancy.roles import Role
from tenancy.settings_pages import SettingsSection
from tenancy.setup import ChecklistItem
from tickets.models import Category, CustomField, Queue, SavedView, SupportAddress, Tag, Team, TeamMembership

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
)


def setup_tenant(tenant: Tenant, *, admin: Membership) -> None:
    """A team with the first admin in it, a default queue for that team and starter categories, so the portal
    accepts a request the minute the tenant exists. Creates only what is missing."""
    team, _ = Team.objects.get_or_create(name=STARTER_TEAM)
    TeamMembership.objects.get_or_create(team=team, membership=admin)
    if not Queue.objects.filter(is_default=True).exists():
        Queue.objects.create(name=STARTER_QUEUE, team=team, is_default=True)
    if not Category.objects.exists():
        for position, (parent_name, children) in enumerate(STARTER_CATEGORIES.items()):
            parent = Category.objects.create(name=parent_name, position=position)
            for child_position, child_name in enumerate(children):
                Category.objects.create(name=child_name, parent=parent, position=child_position)


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
            url=reverse("desk:settings"),
            done=ConfigChange.objects.filter(area="tickets.categories").exists(),
        ),
    ]


def find_uses(obj: models.Model) -> Iterator[str]:
    """Saved views and support addresses that name a queue, team, category or tag; custom fields limited to a
    category."""
    if isinstance(obj, Category):
        for field in CustomField.objects.filter(customfieldcategory__category=obj).only("label"):
            yield f'custom field "{field.label}"'
    if isinstance(obj, Queue):
        for address in SupportAddress.objects.filter(queue=obj).only("email"):
            yield f"support address {address.email}"
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
