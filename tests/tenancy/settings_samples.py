"""One real change per settings service, keyed by the service's dotted name in tenancy.audit's registry.

tests/tenancy/test_config_audit.py runs each and counts the audit rows it writes; a settings service declared
without a sample here fails that test, so every new settings page is proved to be audited."""

from __future__ import annotations

from collections.abc import Callable

from tenancy import services as tenancy_services
from tenancy.models import Membership, Tenant
from tickets.services import (
    attachments,
    categories,
    escalation_tiers,
    portal_settings,
    queues,
    tag_settings,
    teams,
)


def _branding(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
    return "display_name"


def _attachments(tenant: Tenant, admin: Membership) -> str:
    attachments.set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images", "pdf"])
    return "max_attachment_mb"


# --- Structure and portal settings (tickets) ---


def _category(name: str = "Billing", parent=None):
    from tickets.models import Category

    return Category.objects.create(name=name, parent=parent)


def _create_category(tenant: Tenant, admin: Membership) -> str:
    categories.create_category(actor=admin, name="Billing")
    return "name"


def _update_category(tenant: Tenant, admin: Membership) -> str:
    category = _category()
    categories.update_category(actor=admin, category=category, name="Invoices", is_public=True, position=0, parent=None)
    return "name"


def _archive_category(tenant: Tenant, admin: Membership) -> str:
    categories.archive_category(actor=admin, category=_category())
    return "is_active"


def _delete_category(tenant: Tenant, admin: Membership) -> str:
    categories.delete_category(actor=admin, category=_category())
    return "name"


def _merge_category(tenant: Tenant, admin: Membership) -> str:
    categories.merge_category(actor=admin, source=_category("Invoices"), target=_category("Billing"))
    return "merged_into"


def _queue(name: str = "General", **fields):
    from tickets.models import Queue

    return Queue.objects.create(name=name, **fields)


def _create_queue(tenant: Tenant, admin: Membership) -> str:
    queues.create_queue(actor=admin, name="General")
    return "name"


def _update_queue(tenant: Tenant, admin: Membership) -> str:
    queue = _queue(is_default=True)
    queues.update_queue(
        actor=admin, queue=queue, name="General", team=None, assignment_strategy="manual", default_priority=3,
        is_default=True,
    )  # fmt: skip
    return "default_priority"


def _delete_queue(tenant: Tenant, admin: Membership) -> str:
    _queue(is_default=True)
    queues.delete_queue(actor=admin, queue=_queue("Spare"))
    return "name"


def _merge_queue(tenant: Tenant, admin: Membership) -> str:
    target = _queue(is_default=True)
    queues.merge_queue(actor=admin, source=_queue("Spare"), target=target)
    return "merged_into"


def _team(name: str = "Support"):
    from tickets.models import Team

    return Team.objects.create(name=name)


def _create_team(tenant: Tenant, admin: Membership) -> str:
    teams.create_team(actor=admin, name="Support")
    return "name"


def _rename_team(tenant: Tenant, admin: Membership) -> str:
    teams.rename_team(actor=admin, team=_team(), name="Second line")
    return "name"


def _delete_team(tenant: Tenant, admin: Membership) -> str:
    teams.delete_team(actor=admin, team=_team())
    return "name"


def _add_team_member(tenant: Tenant, admin: Membership) -> str:
    teams.add_team_member(actor=admin, team=_team(), member=admin)
    return "member_added"


def _remove_team_member(tenant: Tenant, admin: Membership) -> str:
    from tickets.models import TeamMembership

    team = _team()
    TeamMembership.objects.create(team=team, membership=admin)
    teams.remove_team_member(actor=admin, team=team, member=admin)
    return "member_removed"


def _tag(name: str):
    from tickets.models import Tag

    return Tag.objects.create(name=name)


def _rename_tag(tenant: Tenant, admin: Membership) -> str:
    tag_settings.rename_tag(actor=admin, tag=_tag("biling"), name="billing")
    return "name"


def _merge_tags(tenant: Tenant, admin: Membership) -> str:
    tag_settings.merge_tags(actor=admin, source=_tag("biling"), target=_tag("billing"))
    return "merged_into"


def _delete_tag(tenant: Tenant, admin: Membership) -> str:
    tag_settings.delete_tag(actor=admin, tag=_tag("old"))
    return "name"


def _escalation_tiers(tenant: Tenant, admin: Membership) -> str:
    escalation_tiers.save_escalation_tiers(actor=admin, names=["Second line", "Specialists", "Engineering", "Vendor"])
    return "tiers"


def _portal_settings(tenant: Tenant, admin: Membership) -> str:
    portal_settings.update_portal_settings(
        tenant=tenant, actor=admin, reopen_window_days=14, welcome_text="Welcome!", require_category=True,
        require_phone=False,
    )  # fmt: skip
    return "welcome_text"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
    "tickets.services.categories.create_category": _create_category,
    "tickets.services.categories.update_category": _update_category,
    "tickets.services.categories.archive_category": _archive_category,
    "tickets.services.categories.delete_category": _delete_category,
    "tickets.services.categories.merge_category": _merge_category,
    "tickets.services.queues.create_queue": _create_queue,
    "tickets.services.queues.update_queue": _update_queue,
    "tickets.services.queues.delete_queue": _delete_queue,
    "tickets.services.queues.merge_queue": _merge_queue,
    "tickets.services.teams.create_team": _create_team,
    "tickets.services.teams.rename_team": _rename_team,
    "tickets.services.teams.delete_team": _delete_team,
    "tickets.services.teams.add_team_member": _add_team_member,
    "tickets.services.teams.remove_team_member": _remove_team_member,
    "tickets.services.tag_settings.rename_tag": _rename_tag,
    "tickets.services.tag_settings.merge_tags": _merge_tags,
    "tickets.services.tag_settings.delete_tag": _delete_tag,
    "tickets.services.escalation_tiers.save_escalation_tiers": _escalation_tiers,
    "tickets.services.portal_settings.update_portal_settings": _portal_settings,
}
