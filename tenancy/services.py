"""Changes to tenants and memberships."""

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
from tenancy.models import ConfigChange, Membership, Tenant, User, normalize_email
from tenancy.roles import Role
from tenancy.setup import set_up_tenant


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
            admin = add_member(user=user, role=Role.ADMIN)
        set_up_tenant(tenant, admin=admin)
    return NewTenant(tenant=tenant, admin=admin, set_password_url=password_setup_url(tenant=tenant, user=user))


def get_or_create_user(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """Find the global user with this email or create one (without a usable password unless one is given)."""
    email = normalize_email(email)
    User(email=email).clean_fields(exclude=["password", "full_name"])
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user


def add_member(*, user: User, role: str) -> Membership:
    """Give `user` a role in the tenant in scope (or change the role they have)."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    membership, created = Membership.objects.get_or_create(user=user, defaults={"role": role})
    if not created and (membership.role != role or not membership.is_active):
        membership.role = role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active"])
    return membership


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


def set_availability(*, membership: Membership, availability: str) -> Membership:
    """Set whether a staff member takes work now (online, away, offline); routing reads it."""
    if availability not in Membership.Availability.values:
        raise ValidationError(f"Unknown availability {availability!r}.")
    if not membership.is_staff_member:
        raise ValidationError("Only agents have an availability.")
    if membership.availability != availability:
        membership.availability = availability
        membership.save(update_fields=["availability"])
    return membership


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
