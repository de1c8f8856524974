"""What tenancy adds to a tenant's setup checklist and settings index (see tenancy/hooks.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tenancy.models import Invitation, Membership, Tenant
from tenancy.roles import Role
from tenancy.settings_pages import SettingsSection
from tenancy.setup import ChecklistItem

SETTINGS_SECTIONS = (
    SettingsSection(
        "Setup checklist", "desk:setup", "The steps that make a new help desk ready for customers", "Get started"
    ),
    SettingsSection("Members", "desk:members", "Invite agents; roles, capacity, skills; deactivate", "People"),
    SettingsSection(
        "What agents see", "desk:tenant_visibility", "Every ticket or their teams' queues; a dashboard", "People"
    ),
    SettingsSection(
        "Branding", "desk:branding", "Name, colour and logo of the portal, the desk and mail", "Customers and portal"
    ),
    SettingsSection(
        "Time zone", "desk:tenant_time_zone", "The zone pages and mail show times in by default", "Get started"
    ),
    SettingsSection("Configuration audit", "desk:config_audit", "Who changed which setting, and when", "Audit"),
)


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    others = Membership.objects.filter(role__in=[Role.AGENT, Role.SUPERVISOR], is_active=True)
    # Inviting is the admin's step; accepting is the agent's, which the admin need not wait for.
    invited = Invitation.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())
    return [
        ChecklistItem(
            key="invite_agents",
            label="Invite your agents",
            description="Agents answer requests; supervisors also watch the dashboard and manage shared replies.",
            url=reverse("desk:members"),
            done=others.exists() or invited.exists(),
        )
    ]
