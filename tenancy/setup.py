"""A new tenant becomes a working help desk at once: each app's setup hook runs when the tenant is created,
and each app lists the steps an admin still has to take, which tick themselves off as they are done."""

from __future__ import annotations

from dataclasses import dataclass

from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.hooks import each_hook
from tenancy.models import Membership, Tenant

SETUP = Automation("tenant setup")


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    description: str
    url: str
    done: bool


def set_up_tenant(tenant: Tenant, *, admin: Membership) -> None:
    """Run every app's `setup_tenant` hook, in app order, inside the tenant's scope. Each hook is idempotent
    (it creates only what is missing), so running setup twice changes nothing."""
    with tenant_context(tenant):
        for hook in each_hook("setup_tenant"):
            hook(tenant, admin=admin)


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    return [item for items in each_hook("checklist") for item in items(tenant)]
