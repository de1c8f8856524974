"""Changes to tenants: creating one with its first admin, its branding and its ticket prefix."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy import times
from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.context import tenant_context
from tenancy.models import ConfigChange, Membership, Tenant, User
from tenancy.roles import Role
from tenancy.services.members import add_member, get_or_create_user
from tenancy.setup import SETUP, set_up_tenant


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin: Membership
    set_password_url: str


def create_tenant(
    *, slug: str, name: str, admin_email: str, ticket_prefix: str = "", timezone: str = "UTC"
) -> NewTenant:
    """Create a tenant with its first admin, set it up as a working help desk (each app's setup hook: a default
    queue and team, starter categories, ...), and return a link on the tenant's host to set the admin's password."""
    tenant = Tenant(
        slug=slug.strip().lower(),
        name=name.strip(),
        ticket_prefix=(ticket_prefix or slug.replace("-", "")[:10]).upper(),
        timezone=timezone,
    )
    tenant.full_clean()
    with transaction.atomic():
        tenant.save()
        user = get_or_create_user(email=admin_email)
        with tenant_context(tenant):
            admin = add_member(user=user, role=Role.ADMIN, actor=SETUP)
        set_up_tenant(tenant, admin=admin)
    return NewTenant(tenant=tenant, admin=admin, set_password_url=password_setup_url(tenant=tenant, user=user))


def password_setup_url(*, tenant: Tenant, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return tenant.url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


BRANDING_FIELDS = ("display_name", "accent_colour", "logo")


@settings_service("tenancy.branding")
def update_branding(
    *, tenant: Tenant, actor: Membership | Automation, display_name: str, accent_colour: str, logo=None
) -> Tenant:
    """Change how the portal, the desk and mail show the tenant: its name, accent colour and logo."""
    require_admin_or_automation(actor, "Only admins can change the branding.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, BRANDING_FIELDS)
    tenant.display_name = display_name
    tenant.accent_colour = accent_colour.lower()
    fields = ["display_name", "accent_colour"]
    if logo is not None:
        tenant.logo = logo
        fields.append("logo")
    tenant.full_clean(exclude=["slug"])
    tenant.save(update_fields=fields)
    record_config_change(
        actor=actor,
        area="tenancy.branding",
        action=ConfigChange.Action.UPDATED,
        target=tenant,
        before=before,
        after=snapshot(tenant, BRANDING_FIELDS),
    )
    return tenant


def change_ticket_prefix(*, tenant: Tenant, prefix: str) -> Tenant:
    """Ticket numbers are printed on mail and paper: the prefix is fixed once the first ticket is numbered."""
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.last_ticket_number > 0:
            raise ValidationError("The ticket prefix cannot change once tickets have been numbered.")
        locked.ticket_prefix = prefix.upper()
        locked.full_clean(exclude=["slug"])
        locked.save(update_fields=["ticket_prefix"])
    return locked


def set_time_zone(*, user: User, time_zone: str) -> User:
    """Set the zone `user` reads times in on every help desk; blank goes back to each help desk's own.
    A person's display preference: no audit row (nothing about a ticket or a tenant changes)."""
    time_zone = time_zone.strip()
    if time_zone and not times.is_choosable_zone(time_zone):
        raise ValidationError(times.unknown_zone_message(time_zone))
    if user.timezone != time_zone:
        user.timezone = time_zone
        user.save(update_fields=["timezone"])
    return user


VISIBILITY_FIELDS = ["agents_see_all_tickets", "agents_see_own_figures"]


@settings_service("tenancy.visibility")
def set_agent_visibility(
    *, tenant: Tenant, actor: Membership | Automation, see_all_tickets: bool, see_own_figures: bool
) -> Tenant:
    """What agents see beyond their own work: every ticket or only their teams' queues, and a dashboard of their
    own figures. Supervisors and admins always see both."""
    require_admin_or_automation(actor, "Only admins can change what agents see.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, VISIBILITY_FIELDS)
    tenant.agents_see_all_tickets = bool(see_all_tickets)
    tenant.agents_see_own_figures = bool(see_own_figures)
    tenant.save(update_fields=VISIBILITY_FIELDS)
    record_config_change(
        actor=actor,
        area="tenancy.visibility",
        action=ConfigChange.Action.UPDATED,
        target=tenant,
        before=before,
        after=snapshot(tenant, VISIBILITY_FIELDS),
    )
    return tenant


@settings_service("tenancy.time_zone")
def set_tenant_time_zone(*, tenant: Tenant, actor: Membership | Automation, time_zone: str) -> Tenant:
    """The help desk's time zone: how pages and mail show times to everyone who has not chosen their own."""
    require_admin_or_automation(actor, "Only admins can change the help desk's time zone.")
    time_zone = time_zone.strip()
    if not times.is_choosable_zone(time_zone):
        raise ValidationError({"timezone": times.unknown_zone_message(time_zone)})
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, ["timezone"])
    tenant.timezone = time_zone
    tenant.save(update_fields=["timezone"])
    record_config_change(
        actor=actor,
        area="tenancy.time_zone",
        action=ConfigChange.Action.UPDATED,
        target=tenant,
        before=before,
        after=snapshot(tenant, ["timezone"]),
    )
    return tenant
