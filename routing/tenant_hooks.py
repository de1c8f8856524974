"""Routing's settings pages, its setup checklist step, "what uses this" for rows the rules name, and the hook on
tenancy's availability switch (see tenancy/hooks.py)."""

from __future__ import annotations

from django.urls import reverse

from routing.actions import action_uses
from routing.availability.services import availability_changed  # noqa: F401 - tenancy's set_availability hook
from routing.conditions import condition_uses
from routing.models import Rule, RuleSetVersion
from tenancy.models import Tenant
from tenancy.settings_pages import SettingsSection
from tenancy.setup import ChecklistItem

SETTINGS_SECTIONS = (
    SettingsSection(
        "Routing rules",
        "desk:routing_rules",
        "Triage new tickets: conditions, actions, test, simulate and publish",
        "Automation",
    ),
    SettingsSection(
        "Assignment and availability",
        "desk:routing_availability",
        "When agents count as away, when an absent agent's tickets return to the queue, who is online now",
        "Automation",
    ),
)


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    return [
        ChecklistItem(
            key="routing_rules",
            label="Route tickets with rules",
            description="Send billing mail to Finance, outages to the second line, VIPs to a senior team.",
            url=reverse("desk:routing_rules"),
            done=RuleSetVersion.objects.exists(),
        ),
    ]


def _uses(rule: dict | Rule, obj) -> bool:
    conditions = rule.conditions if isinstance(rule, Rule) else rule.get("conditions") or []
    actions = rule.actions if isinstance(rule, Rule) else rule.get("actions") or []
    return any(condition_uses(c, obj) for c in conditions) or any(action_uses(a, obj) for a in actions)


def find_uses(obj) -> list[str]:
    """The draft rules and the rules in force that name `obj` (a queue, category, organisation, team, tag, skill
    or agent): deleting it would make them skip or stop matching."""
    found = [rule for rule in Rule.objects.order_by("position", "id") if _uses(rule, obj)]
    uses = [f"routing rule “{rule.name}”" for rule in found]
    latest = RuleSetVersion.objects.order_by("-number").first()
    if latest is not None:
        named = {rule.pk for rule in found}
        uses += [
            f"published routing rule “{rule['name']}” (version {latest.number})"
            for rule in latest.rules
            if rule.get("id") not in named and _uses(rule, obj)
        ]
    return uses
