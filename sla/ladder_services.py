"""Admins' escalation ladders: add and remove steps of a policy's ladder, validated and audited ("sla.ladders").

A step is identified by its policy, target kind and moment (at the warning, at the breach, N hours after it): one
step per moment, so a ladder reads as an ordered list. It must do something, and everything it names must be
this tenant's and usable (active staff, existing teams, a queue, a tier the tenant has). A new step applies to
each target the sweep looks at next (its warning or breach still ahead, or steps still pending); it is not run
at once for every ticket that breached long ago.
"""

from __future__ import annotations

from collections.abc import Iterable

from sla.models import LadderStep, SlaPolicy, TargetKind
from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.roles import STAFF_ROLES
from tickets.models import Priority, Queue, Team
from tickets.selectors.structure import list_tiers

Actor = Membership | Automation
REFUSAL = "Only tenant admins can change escalation ladders."
STEP_FIELDS = (
    "policy",
    "target_kind",
    "trigger",
    "after_hours",
    "notify_members",
    "notify_teams",
    "raise_priority_to",
    "move_to_queue",
    "reassign_to",
    "raise_tier_to",
)
MAX_AFTER_HOURS = 24 * 30


@settings_service("sla.ladders")
def add_ladder_step(
    *,
    actor: Actor,
    policy: SlaPolicy,
    target_kind: str,
    trigger: str,
    after_hours: int = 0,
    notify_members: Iterable[Membership] = (),
    notify_teams: Iterable[Team] = (),
    raise_priority_to: int | None = None,
    move_to_queue: Queue | None = None,
    reassign_to: Membership | None = None,
    raise_tier_to: int | None = None,
) -> LadderStep:
    """Add one step to the ladder of `policy` for `target_kind`."""
    require_admin_or_automation(actor, REFUSAL)
    ensure_same_tenant(policy, *(obj for obj in (move_to_queue, reassign_to) if obj is not None))
    members, teams = list(notify_members), list(notify_teams)
    ensure_same_tenant(policy, *members, *teams)
    if target_kind not in TargetKind.values:
        raise ServiceError("Choose the target the step follows: first response, next update or resolution.")
    if trigger not in LadderStep.Trigger.values:
        raise ServiceError("Choose when the step runs: at the warning or at the breach.")
    if not isinstance(after_hours, int) or not 0 <= after_hours <= MAX_AFTER_HOURS:
        raise ServiceError(f"Hours after the breach are a whole number from 0 to {MAX_AFTER_HOURS}.")
    if trigger == LadderStep.Trigger.WARNING and after_hours:
        raise ServiceError("A step at the warning runs at the warning; hours apply to steps after the breach.")
    if raise_priority_to is not None and raise_priority_to not in Priority.values:
        raise ServiceError("Choose a priority to raise to.")
    if raise_tier_to is not None:
        tiers = list_tiers()
        if not 1 <= raise_tier_to <= len(tiers):
            raise ServiceError(f"Choose one of the escalation tiers (1 to {len(tiers)}).")
    inactive = [m for m in [*members, *([reassign_to] if reassign_to else [])] if not _active_staff(m)]
    if inactive:
        raise ServiceError(f"{inactive[0].display_name} is not an active agent, supervisor or admin here.")
    if not (members or teams or raise_priority_to or move_to_queue or reassign_to or raise_tier_to):
        raise ServiceError("A step must do something: notify someone, raise the priority or tier, move or reassign.")
    SlaPolicy.objects.select_for_update().get(pk=policy.pk)  # two admins adding the same moment take turns
    if LadderStep.objects.filter(
        policy=policy, target_kind=target_kind, trigger=trigger, after_hours=after_hours
    ).exists():
        raise ServiceError("This ladder has a step at that moment already: remove it first, or pick another moment.")
    step = LadderStep.objects.create(
        policy=policy, target_kind=target_kind, trigger=trigger, after_hours=after_hours,
        notify_members=sorted(m.pk for m in members), notify_teams=sorted(t.pk for t in teams),
        raise_priority_to=raise_priority_to, move_to_queue=move_to_queue, reassign_to=reassign_to,
        raise_tier_to=raise_tier_to,
    )  # fmt: skip
    record_config_change(
        actor=actor, area="sla.ladders", action=ConfigChange.Action.CREATED, target=step,
        label=_label(step, policy), after=snapshot(step, STEP_FIELDS),
    )  # fmt: skip
    return step


@settings_service("sla.ladders")
def remove_ladder_step(*, actor: Actor, step: LadderStep) -> SlaPolicy:
    """Remove a step (its past runs go with it; what it did to tickets stays in their history)."""
    require_admin_or_automation(actor, REFUSAL)
    policy = SlaPolicy.objects.select_for_update().get(pk=step.policy_id)
    before = snapshot(step, STEP_FIELDS)
    label, pk = _label(step, policy), step.pk
    step.delete()
    record_config_change(
        actor=actor, area="sla.ladders", action=ConfigChange.Action.DELETED, target_type="sla.ladderstep",
        target_id=pk, label=label, before=before,
    )  # fmt: skip
    return policy


def _active_staff(member: Membership) -> bool:
    return member.is_active and member.role in STAFF_ROLES


def _label(step: LadderStep, policy: SlaPolicy) -> str:
    return f"{policy.name}: {step.kind_label.lower()}, {step.moment_label.lower()}"
