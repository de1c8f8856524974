""" "What uses this": before a queue, category, team or tag is deleted, every app says what of its own uses it.

Each app's `tenant_hooks.find_uses(obj)` yields descriptions such as 'saved view "Billing backlog"' or
'routing rule "VIP customers"'; a delete that finds any is refused, naming them, so nothing is left pointing
at a row that no longer exists and no rule silently stops matching."""

from __future__ import annotations

from django.db import models

from tenancy.errors import ServiceError
from tenancy.hooks import each_hook

SHOWN = 5


class InUse(ServiceError):
    def __init__(self, obj: models.Model, uses: list[str]):
        self.uses = uses
        named = ", ".join(uses[:SHOWN]) + (f" and {len(uses) - SHOWN} more" if len(uses) > SHOWN else "")
        super().__init__(f'"{obj}" is in use by {named}. Change those first, or merge it into another.')


def find_uses(obj: models.Model) -> list[str]:
    return [use for finder in each_hook("find_uses") for use in finder(obj)]


def refuse_if_used(obj: models.Model) -> None:
    uses = find_uses(obj)
    if uses:
        raise InUse(obj, uses)
