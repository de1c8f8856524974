"""Tenants, people and the base class of every tenant-owned row.

`users` holds the global User, `tenants` the Tenant and the platform directory rows found before any tenant is
known, `scoping` the TenantModel base that every tenant-owned row inherits, `members` a person's place in a
tenant, and `records` the configuration audit and the outbox.
"""

from tenancy.models.members import Invitation, Membership, MembershipSkill, Skill, mention_handle_of
from tenancy.models.records import ConfigChange, PendingTask
from tenancy.models.scoping import CrossTenantError, TenantManager, TenantModel, TenantQuerySet, ensure_same_tenant
from tenancy.models.tenants import (
    RESERVED_SLUGS,
    AddressClaim,
    JobLease,
    Tenant,
    TenantDomain,
    colour_validator,
    domain_validator,
    prefix_validator,
    slug_validator,
    validate_slug_not_reserved,
)
from tenancy.models.users import User, UserManager, normalize_email, validate_timezone

__all__ = [
    "RESERVED_SLUGS",
    "AddressClaim",
    "ConfigChange",
    "CrossTenantError",
    "Invitation",
    "JobLease",
    "Membership",
    "MembershipSkill",
    "PendingTask",
    "Skill",
    "Tenant",
    "TenantDomain",
    "TenantManager",
    "TenantModel",
    "TenantQuerySet",
    "User",
    "UserManager",
    "colour_validator",
    "domain_validator",
    "ensure_same_tenant",
    "mention_handle_of",
    "normalize_email",
    "prefix_validator",
    "slug_validator",
    "validate_slug_not_reserved",
    "validate_timezone",
]
