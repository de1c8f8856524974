"""Who acts on a tenant's data, and the role checks every service applies before it changes anything.

These live in tenancy so that tenancy's own services (members, branding, settings) and every app above it
check actors the same way; tickets adds the customer (a Contact) as a third kind of actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenancy.errors import ServiceError
from tenancy.models import Membership


@dataclass(frozen=True)
class Automation:
    """A named automated actor, recorded by name: "routing rule #12", "SLA sweep", "email intake".

    `acting_for` is the member an automation acts on behalf of (an API key's creator, capped at the key's role):
    the services hold it to that member's limits, such as the queues they may see. Routing and SLA have none."""

    name: str
    acting_for: Membership | None = field(default=None, compare=False, repr=False)


def acting_member(actor: object) -> Membership | None:
    """The member whose limits apply to a change: the acting member, or the member an automation acts for."""
    if isinstance(actor, Membership):
        return actor
    if isinstance(actor, Automation):
        return actor.acting_for
    return None


def require_role(actor: object, minimum: str, refusal: str) -> Membership:
    """The acting member, if they hold at least `minimum`; else a ServiceError saying `refusal`."""
    if not isinstance(actor, Membership) or not actor.has_role(minimum):
        raise ServiceError(refusal)
    return actor


def require_staff(actor: object) -> Membership:
    if not isinstance(actor, Membership) or not actor.is_staff_member:
        raise ServiceError("Only agents can do this.")
    return actor


def require_admin_or_automation(actor: object, refusal: str) -> None:
    """Configuration changes: a tenant admin, or a named automation (tenant setup, an import) acting for one."""
    if isinstance(actor, Automation):
        return
    require_role(actor, "admin", refusal)
