"""Reads of tenants and memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tenancy.context import unscoped
from tenancy.models import ConfigChange, Invitation, Membership, Tenant
from tenancy.prepared import prepared
from tenancy.roles import STAFF_ROLES


class _NoMembership:
    """Stands in for 'not a member of this tenant' so templates and checks need no None test."""

    pk = None
    role = None
    is_active = False
    is_staff_member = False

    def __bool__(self) -> bool:
        return False

    def has_role(self, minimum: str) -> bool:
        return False


NO_MEMBERSHIP = _NoMembership()


def get_tenant_for_host(hostname: str) -> Tenant | None:
    """Return the active tenant served at `hostname`, or None."""
    suffix = f".{settings.BASE_DOMAIN}"
    if hostname.endswith(suffix):
        slug = hostname.removesuffix(suffix)
        if "." in slug:
            return None
        return Tenant.objects.filter(slug=slug, is_active=True).first()
    return Tenant.objects.filter(domains__domain=hostname, is_active=True).first()


def get_membership(*, user, tenant: Tenant) -> Membership | _NoMembership:
    """The signed-in user's membership in `tenant`, the tenant in scope (or NO_MEMBERSHIP). The request has
    loaded the user and the tenant already: they are attached rather than joined again."""
    if not user.is_authenticated:
        return NO_MEMBERSHIP
    # Compiled once per tenant and process (tenancy.prepared): every signed-in request asks.
    memberships = prepared("request_membership", _active_membership, user.pk)
    if not memberships:
        return NO_MEMBERSHIP
    (membership,) = memberships
    membership.user, membership.tenant = user, tenant
    return membership


def _active_membership(user_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user_id, is_active=True).order_by("pk")[:1]


def list_user_memberships(*, user) -> list[Membership]:
    """Every active membership of `user` across tenants, for the platform's tenant picker."""
    if not user.is_authenticated:
        return []
    with unscoped():
        return list(
            Membership.objects.select_related("tenant")
            .filter(user=user, is_active=True, tenant__is_active=True)
            .order_by("tenant__name")
        )


def list_user_tenant_ids(*, user_id: int) -> set[int]:
    """The tenants `user_id` is a member of, from any scope, without the platform connection: a User is saved
    inside tenant requests, whose uncommitted rows another connection would not see."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT tenancy_user_tenant_ids(%s)", [user_id])
            return {row[0] for row in cursor.fetchall()}
    with unscoped():  # SQLite (the demo): no row-level security, one connection
        return set(Membership.objects.filter(user_id=user_id).values_list("tenant_id", flat=True))


def list_members(*, roles: list[str] | None = None) -> QuerySet[Membership]:
    """Members of the tenant in scope (only those with one of `roles` when given), by name."""
    members = (
        Membership.objects.select_related("user")
        .prefetch_related("skills")
        .order_by("user__full_name", "user__email", "id")
    )
    return members.filter(role__in=roles) if roles else members


def get_member(*, pk: int) -> Membership:
    """One member of the tenant in scope, with their user and skills (404 for another tenant's)."""
    members = Membership.objects.select_related("user").prefetch_related("skills")
    return get_object_or_404(members, pk=pk)


def list_pending_invitations() -> list[Invitation]:
    """Invitations not yet accepted nor withdrawn (expired ones too: they can be sent again), newest first."""
    invitations = Invitation.objects.select_related("invited_by__user").filter(accepted_at=None, revoked_at=None)
    return list(invitations.order_by("-sent_at", "-id")[:MAX_PENDING_SHOWN])


MAX_PENDING_SHOWN = 200


def list_staff() -> QuerySet[Membership]:
    return list_members(roles=list(STAFF_ROLES)).filter(is_active=True)


def list_config_changes() -> QuerySet[ConfigChange]:
    """The tenant's configuration audit, newest first, with who made each change."""
    return ConfigChange.objects.select_related("actor_membership__user").order_by("-created_at", "-id")
