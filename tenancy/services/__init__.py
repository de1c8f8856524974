"""Changes to tenants, their members and invitations (one module per area; every name importable from here)."""

from tenancy.services.invitations import (
    InvalidInvitation,
    accept_invitation,
    check_invitation,
    invitation_token,
    invitation_url,
    invite_member,
    resend_invitation,
    revoke_invitation,
)
from tenancy.services.members import (
    add_member,
    change_role,
    deactivate_member,
    get_or_create_user,
    reactivate_member,
    set_availability,
    set_capacity,
    set_skills,
)
from tenancy.services.tenants import (
    NewTenant,
    change_ticket_prefix,
    create_tenant,
    password_setup_url,
    set_agent_visibility,
    set_tenant_time_zone,
    set_time_zone,
    update_branding,
)

__all__ = [
    "InvalidInvitation",
    "NewTenant",
    "accept_invitation",
    "add_member",
    "change_role",
    "change_ticket_prefix",
    "check_invitation",
    "create_tenant",
    "deactivate_member",
    "get_or_create_user",
    "invitation_token",
    "invitation_url",
    "invite_member",
    "password_setup_url",
    "reactivate_member",
    "resend_invitation",
    "revoke_invitation",
    "set_agent_visibility",
    "set_availability",
    "set_capacity",
    "set_skills",
    "set_tenant_time_zone",
    "set_time_zone",
    "update_branding",
]
