"""Hooks that apps above tenancy provide, found without tenancy importing them (DESIGN.md: the order of apps).

Each installed app may have a `tenant_hooks` module; tenancy reads named attributes from it, in the order of
INSTALLED_APPS (tenancy, tickets, routing, sla, kb, reporting), the way `seed_demo` finds each app's demo module:
- `setup_tenant(tenant, *, admin)`: make a new tenant a working help desk (default queue, calendars, ...);
- `checklist(tenant)`: the new tenant's setup steps this app owns, as `tenancy.setup.ChecklistItem`s;
- `SETTINGS_SECTIONS`: the app's settings pages, as `tenancy.settings_pages.SettingsSection`s;
- `find_uses(obj)`: what of this app uses a row another app wants to delete (`tenancy.usage`).
- `open_work_of(membership)`, `hand_over_open_work(membership, *, to, actor)`, `member_panels(membership)`: what the
  members page shows and does for the app when a member is deactivated (`tenancy.members`).
- `portal_request_filed(*, request, ticket)`: the portal form filed a ticket (tickets.views.portal), in its transaction.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps

MODULE = "tenant_hooks"


@functools.cache
def hook_modules() -> tuple[ModuleType, ...]:
    modules = []
    for config in apps.get_app_configs():
        if importlib.util.find_spec(config.name) is None:
            continue
        if importlib.util.find_spec(f"{config.name}.{MODULE}") is not None:
            modules.append(importlib.import_module(f"{config.name}.{MODULE}"))
    return tuple(modules)


def each_hook(name: str) -> Iterator[object]:
    """Every installed app's attribute `name` (apps that do not define it are skipped), in app order."""
    for module in hook_modules():
        hook = getattr(module, name, None)
        if hook is not None:
            yield hook
