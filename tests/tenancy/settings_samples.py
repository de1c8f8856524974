"""One real change per settings service, keyed by the service's dotted name in tenancy.audit's registry.

tests/tenancy/test_config_audit.py runs each and counts the audit rows it writes; a settings service declared
without a sample here fails that test, so every new settings page is proved to be audited."""

from __future__ import annotations

from collections.abc import Callable

from tenancy import services as tenancy_services
from tenancy.models import Membership, Tenant
from tenancy.roles import Role
from tests.tenancy.factories import InvitationFactory, MembershipFactory
from tickets.services import attachments


def _branding(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
    return "display_name"


def _attachments(tenant: Tenant, admin: Membership) -> str:
    attachments.set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images", "pdf"])
    return "max_attachment_mb"


def _staff(tenant: Tenant, role: str = Role.AGENT, **extra) -> Membership:
    return MembershipFactory(tenant=tenant, role=role, user__email=f"sample-{role}@acme.example", **extra)


def _invite(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.invite_member(actor=admin, email="new.agent@acme.example", role=Role.AGENT)
    return "role"


def _resend_invitation(tenant: Tenant, admin: Membership) -> str:
    invitation = InvitationFactory(tenant=tenant, invited_by=admin)
    tenancy_services.resend_invitation(actor=admin, invitation=invitation)
    return "expires_at"


def _revoke_invitation(tenant: Tenant, admin: Membership) -> str:
    invitation = InvitationFactory(tenant=tenant, invited_by=admin)
    tenancy_services.revoke_invitation(actor=admin, invitation=invitation)
    return "status"


def _change_role(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.change_role(actor=admin, membership=_staff(tenant), role=Role.SUPERVISOR)
    return "role"


def _set_capacity(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_capacity(actor=admin, membership=_staff(tenant), capacity=5)
    return "capacity"


def _set_skills(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_skills(actor=admin, membership=_staff(tenant), names=["German", "Billing"])
    return "skills"


def _deactivate(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.deactivate_member(actor=admin, membership=_staff(tenant))
    return "is_active"


def _reactivate(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.reactivate_member(actor=admin, membership=_staff(tenant, is_active=False))
    return "is_active"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.tenants.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
    "tenancy.services.invitations.invite_member": _invite,
    "tenancy.services.invitations.resend_invitation": _resend_invitation,
    "tenancy.services.invitations.revoke_invitation": _revoke_invitation,
    "tenancy.services.members.change_role": _change_role,
    "tenancy.services.members.set_capacity": _set_capacity,
    "tenancy.services.members.set_skills": _set_skills,
    "tenancy.services.members.deactivate_member": _deactivate,
    "tenancy.services.members.reactivate_member": _reactivate,
}
