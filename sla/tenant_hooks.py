"""What SLA adds to a new tenant (a 24x7 calendar and a default policy), its checklist and its settings pages
(see tenancy/hooks.py)."""

from __future__ import annotations

from django.urls import reverse

from sla.models import Calendar, PolicyVersion, SlaPolicy, always_hours
from tenancy.models import ConfigChange, Membership, Tenant
from tenancy.settings_pages import SettingsSection
from tenancy.setup import ChecklistItem

DEFAULT_CALENDAR = "24x7"
DEFAULT_POLICY = "Standard"
HOUR = 3600
# (first response, next update, resolution) in hours per priority, counted around the clock until the tenant
# sets its business hours.
DEFAULT_HOURS = {1: (24, 48, 120), 2: (8, 24, 72), 3: (4, 8, 24), 4: (1, 2, 8)}

SETTINGS_SECTIONS = (
    SettingsSection(
        "Business hours", "desk:sla_calendars", "Opening hours, time zones and holidays for SLA deadlines", "Automation"
    ),
    SettingsSection(
        "SLA policies", "desk:sla_policies", "Targets per priority, which tickets they apply to", "Automation"
    ),
    SettingsSection(
        "Auto-resolve and auto-close",
        "desk:sla_automation",
        "Resolve tickets the customer left waiting, close them once the reopen window has passed",
        "Automation",
    ),
)


def default_targets() -> dict:
    return {
        str(priority): {
            kind: {"seconds": hours * HOUR, "business": True}
            for kind, hours in zip(("first_response", "next_update", "resolution"), values, strict=True)
        }
        for priority, values in DEFAULT_HOURS.items()
    }


def setup_tenant(tenant: Tenant, *, admin: Membership) -> None:
    """A 24x7 calendar in the tenant's zone and a default policy on it, so tickets get deadlines from the start.
    Creates only what is missing."""
    calendar = Calendar.objects.filter(name=DEFAULT_CALENDAR).first()
    if calendar is None:
        calendar = Calendar.objects.create(name=DEFAULT_CALENDAR, time_zone=tenant.timezone, hours=always_hours())
    if not SlaPolicy.objects.filter(is_default=True).exists():
        policy = SlaPolicy.objects.create(
            name=DEFAULT_POLICY if not SlaPolicy.objects.filter(name=DEFAULT_POLICY).exists() else "Default",
            calendar=calendar,
            is_default=True,
            targets=default_targets(),
            warn_percent=80,
        )
        PolicyVersion.objects.create(policy=policy, version=1, calendar=calendar, targets=policy.targets,
                                     warn_percent=80)  # fmt: skip


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    return [
        ChecklistItem(
            key="business_hours",
            label="Set your business hours",
            description="SLA deadlines count only the hours you are open (around the clock until you say).",
            url=reverse("desk:sla_calendars"),
            done=ConfigChange.objects.filter(area="sla.calendars", actor_membership__isnull=False).exists(),
        ),
    ]


def find_uses(obj) -> list[str]:
    if isinstance(obj, Calendar):
        names = SlaPolicy.objects.filter(calendar=obj).values_list("name", flat=True)
        return [f"SLA policy “{name}”" for name in names]
    return []
