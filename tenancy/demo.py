"""Demo people for `manage.py seed_demo` (demo only: nothing else ever creates users with a known password)."""

from __future__ import annotations

from dataclasses import dataclass

from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.models import Tenant, User
from tenancy.roles import Role
from tenancy.services import add_member, get_or_create_user

DEMO_SEED = Automation("demo seed")
DEMO_PASSWORD = "tessera-demo"  # noqa: S105 - printed at demo start; only seed_demo uses it

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
    for spec in DEMO_TENANTS:
        tenant, _ = Tenant.objects.update_or_create(
            slug=spec["slug"],
            defaults={key: spec[key] for key in ("name", "ticket_prefix", "timezone", "accent_colour")},
        )
        people = {}
        with tenant_context(tenant):
            for local, full_name, role in DEMO_PEOPLE:
                user = get_or_create_user(email=f"{local}@{spec['domain']}", full_name=full_name)
                _set_demo_password(user, full_name)
                people[local] = add_member(user=user, role=role, actor=DEMO_SEED)
        seeded.append(DemoTenant(tenant=tenant, people=people))
    return seeded


def _set_demo_password(user: User, full_name: str) -> None:
    user.full_name = full_name
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["full_name", "password"])


def logins() -> list[str]:
    return [f"{local}@{spec['domain']}" for spec in DEMO_TENANTS for local, _, _ in DEMO_PEOPLE]
