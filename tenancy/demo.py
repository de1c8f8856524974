"""Demo people for `manage.py seed_demo` (demo only: nothing else ever creates users with a known password)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from tenancy.actors import Automation
from tenancy.context import tenant_context, unscoped
from tenancy.models import Tenant, User
from tenancy.roles import Role
from tenancy.services import add_member, get_or_create_user

DEMO_SEED = Automation("demo seed")
DEMO_PASSWORD = "tessera-demo"  # noqa: S105 - printed at demo start; only seed_demo uses it
# Platform staff: the Django admin at /admin/ on the platform host (tenants, domains, memberships, pending tasks).
PLATFORM_LOGIN = "platform@tessera.example"

DEMO_TENANTS = [
    {
        "slug": "acme",
        "name": "Acme Corporation",
        "ticket_prefix": "ACME",
        "timezone": "Europe/London",
        "accent_colour": "#2563eb",
        "domain": "acme.example",
    },
    {
        "slug": "globex",
        "name": "Globex Inc.",
        "ticket_prefix": "GLX",
        "timezone": "America/New_York",
        "accent_colour": "#0f766e",
        "domain": "globex.example",
    },
]

DEMO_PEOPLE = [
    ("admin", "Ada Admin", Role.ADMIN),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR),
    ("agent", "Alex Agent", Role.AGENT),
    ("agent2", "Blake Agent", Role.AGENT),
    ("agent3", "Casey Agent", Role.AGENT),
    ("customer", "Chris Customer", Role.CUSTOMER),
    ("customer2", "Dana Customer", Role.CUSTOMER),
]


@dataclass
class DemoTenant:
    tenant: Tenant
    people: dict[str, object]  # local part of the email -> Membership


def seed_tenants() -> list[DemoTenant]:
    """Create (or refresh) the demo tenants and their people; safe to run again."""
    seeded = []
    # One hash for every demo login: hashing is deliberately slow (about a second each on a busy laptop), and
    # the password is published anyway.
    password = make_password(DEMO_PASSWORD)
    _seed_platform_staff(password)
    for spec in DEMO_TENANTS:
        tenant, _ = Tenant.objects.update_or_create(
            slug=spec["slug"],
            defaults={key: spec[key] for key in ("name", "ticket_prefix", "timezone", "accent_colour")},
        )
        people = {}
        with tenant_context(tenant):
            for local, full_name, role in DEMO_PEOPLE:
                user = get_or_create_user(email=f"{local}@{spec['domain']}", full_name=full_name)
                _set_demo_password(user, full_name, password)
                people[local] = add_member(user=user, role=role, actor=DEMO_SEED)
        seeded.append(DemoTenant(tenant=tenant, people=people))
    return seeded


def _set_demo_password(user: User, full_name: str, password: str) -> None:
    user.full_name = full_name
    user.password = password
    user.save(update_fields=["full_name", "password"])


def _seed_platform_staff(password: str) -> User:
    """The demo's platform operator. Only the platform role may set the staff flags (tenancy migration 0004),
    so this runs unscoped (on PostgreSQL: the BYPASSRLS platform connection, committed on its own)."""
    with unscoped():
        user, _ = User.objects.update_or_create(
            email=PLATFORM_LOGIN,
            defaults={"full_name": "Pat Platform", "password": password, "is_staff": True, "is_superuser": True},
        )
    return user


def logins() -> list[str]:
    return [f"{local}@{spec['domain']}" for spec in DEMO_TENANTS for local, _, _ in DEMO_PEOPLE]


def tenant_logins() -> dict[str, list[str]]:
    """Each demo tenant's slug with the local parts of its logins (the domain is the tenant's)."""
    return {spec["slug"]: [local for local, _, _ in DEMO_PEOPLE] for spec in DEMO_TENANTS}
