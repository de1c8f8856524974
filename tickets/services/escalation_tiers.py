"""Settings → Escalation tiers (admins): how many tiers the tenant's escalation ladder has (1 to 9) and their
names. Tickets store the level (0 is not escalated), so a renamed tier is renamed in every ticket's history;
a tier with tickets at it cannot be removed until they are moved down."""

from __future__ import annotations

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership
from tickets.models import MAX_ESCALATION_LEVEL, EscalationTier, Ticket
from tickets.selectors.structure import list_tiers

AREA = "tickets.escalation"
MAX_NAME = 100


@settings_service(AREA)
def save_escalation_tiers(*, actor: Membership, names: list[str]) -> list[EscalationTier]:
    """Make the ladder `names` (level 1 first): rename tiers, add tiers at the top, remove tiers from the top."""
    require_admin_or_automation(actor, "Only tenant admins can change the escalation tiers.")
    names = [" ".join((name or "").split()) for name in names]
    if not 1 <= len(names) <= MAX_ESCALATION_LEVEL:
        raise ServiceError(f"Have between 1 and {MAX_ESCALATION_LEVEL} escalation tiers.")
    for level, name in enumerate(names, start=1):
        if not name:
            raise ServiceError(f"Give tier {level} a name.")
        if len(name) > MAX_NAME:
            raise ServiceError(f"Keep the name of tier {level} under {MAX_NAME} characters.")
    if len({name.lower() for name in names}) != len(names):
        raise ServiceError("Give each tier its own name.")
    rows = {row.level: row for row in EscalationTier.objects.select_for_update()}
    before = [tier.name for tier in list_tiers()]
    stranded = Ticket.objects.filter(escalation_level__gt=len(names)).count()
    if stranded:
        top = before[len(names)] if len(before) > len(names) else f"tier {len(names) + 1}"
        raise ServiceError(
            f"{stranded} ticket{'s are' if stranded != 1 else ' is'} escalated to “{top}” or above: "
            "lower their escalation before removing that tier."
        )
    EscalationTier.objects.filter(level__gt=len(names)).delete()
    tiers = []
    for level, name in enumerate(names, start=1):
        row = rows.get(level)
        if row is None:
            row = EscalationTier.objects.create(level=level, name=name)
        elif row.name != name:
            row.name = name
            row.save(update_fields=["name"])
        tiers.append(row)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target_type="tickets.escalationtier",
        label="Escalation tiers",
        before={"tiers": before},
        after={"tiers": names},
    )
    return tiers
