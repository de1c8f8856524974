"""Changes to a tenant's members: who they are, their role, capacity, skills, and whether they still work here.

Memberships are never deleted (tickets, notes and the audit point at them): a member who leaves is deactivated,
and may be reactivated. A tenant always keeps an active admin: the last one cannot be demoted or deactivated,
by themselves or by anyone else."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.hooks import each_hook
from tenancy.models import ConfigChange, Membership, MembershipSkill, Skill, User, ensure_same_tenant, normalize_email
from tenancy.roles import STAFF_ROLES, Role

AREA = "tenancy.members"
ADMINS_ONLY = "Only admins can manage members."
MAX_CAPACITY = 200
MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50


def get_or_create_user(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """Find the global user with this email or create one (without a usable password unless one is given)."""
    email = normalize_email(email)
    User(email=email).clean_fields(exclude=["password", "full_name"])
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user


def add_member(*, user: User, role: str, actor: Membership | Automation) -> Membership:
    """Give `user` a role in the tenant in scope (or change the role they have, reactivating them).

    Called by tenant setup, the demo and benchmark seeds, the portal's first sign-in (customers) and an accepted
    invitation; an admin changes a role with `change_role`, which writes the audit row."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(user=user, defaults={"role": role})
        if not created and (membership.role != role or not membership.is_active):
            if role != Role.ADMIN:
                _refuse_if_last_admin(membership, "lose the admin role")
            membership.role = role
            membership.is_active = True
            membership.save(update_fields=["role", "is_active"])
    return membership


def set_availability(
    *, membership: Membership, availability: str, actor: Membership | Automation, reason: str = ""
) -> Membership:
    """Set whether a staff member takes work now (online, away, offline); routing reads it.

    Not a setting (no audit row): the member switches it themselves from the top bar; an admin or an automation
    (routing marking someone away) may switch it for them. A real change is handed, in the same transaction, to
    each app's `availability_changed(membership, *, old, actor, reason)` hook (routing records it and assigns
    waiting tickets when someone comes online)."""
    if not (isinstance(actor, Membership) and actor.pk == membership.pk):
        require_admin_or_automation(actor, "Only the member themselves or an admin can change their availability.")
    ensure_same_tenant(actor if isinstance(actor, Membership) else None, membership)
    if availability not in Membership.Availability.values:
        raise ValidationError(f"Unknown availability {availability!r}.")
    if not membership.is_staff_member:
        raise ValidationError("Only agents have an availability.")
    with transaction.atomic():
        # Locked: two switches at once (the member and the idle sweep) each see the other's result.
        old = (
            Membership.objects.select_for_update(no_key=True)
            .values_list("availability", flat=True)
            .get(pk=membership.pk)
        )
        if old != availability:
            membership.availability = availability
            membership.availability_changed_at = timezone.now()
            membership.save(update_fields=["availability", "availability_changed_at"])
            for changed in each_hook("availability_changed"):
                changed(membership, old=old, actor=actor, reason=reason)
        else:
            membership.availability = old
    return membership


@settings_service(AREA)
def change_role(*, actor: Membership | Automation, membership: Membership, role: str) -> Membership:
    """Make a staff member an agent, a supervisor or an admin. Customers become staff by invitation: the desk
    needs a password, which portal sign-in links never set."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    membership = _locked(membership, actor)
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Choose agent, supervisor or admin."})
    if not Role(membership.role).is_staff:
        raise ServiceError(f"{membership.display_name} is a customer: invite them to make them staff.")
    before = snapshot(membership, ["role"])
    if role != Role.ADMIN:
        _refuse_if_last_admin(membership, "stop being an admin")
    membership.role = role
    membership.save(update_fields=["role"])
    _record(actor, membership, before, snapshot(membership, ["role"]))
    return membership


@settings_service(AREA)
def set_capacity(*, actor: Membership | Automation, membership: Membership, capacity: int) -> Membership:
    """How many open tickets routing gives this staff member at once."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    membership = _locked(membership, actor)
    if not Role(membership.role).is_staff:
        raise ServiceError("Only staff members have a capacity.")
    if not 0 <= capacity <= MAX_CAPACITY:
        raise ValidationError({"capacity": f"Choose a capacity from 0 to {MAX_CAPACITY} open tickets."})
    before = snapshot(membership, ["capacity"])
    membership.capacity = capacity
    membership.save(update_fields=["capacity"])
    _record(actor, membership, before, snapshot(membership, ["capacity"]))
    return membership


@settings_service(AREA)
def set_skills(*, actor: Membership | Automation, membership: Membership, names: list[str]) -> Membership:
    """Replace a staff member's skills with `names` (a skill new to the tenant is created; case is ignored)."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    membership = _locked(membership, actor)
    if not Role(membership.role).is_staff:
        raise ServiceError("Only staff members have skills.")
    wanted = clean_skill_names(names)
    before = {"skills": _skill_names(membership)}
    skills = {skill.key: skill for skill in Skill.objects.filter(key__in=[name.lower() for name in wanted])}
    for name in wanted:
        if name.lower() not in skills:
            skills[name.lower()] = Skill.objects.create(name=name)
    keep = [skills[name.lower()].pk for name in wanted]
    MembershipSkill.objects.filter(membership=membership).exclude(skill_id__in=keep).delete()
    have = set(MembershipSkill.objects.filter(membership=membership).values_list("skill_id", flat=True))
    MembershipSkill.objects.bulk_create(
        [
            MembershipSkill(membership=membership, skill_id=pk, tenant_id=membership.tenant_id)
            for pk in keep
            if pk not in have
        ]
    )
    _record(actor, membership, before, {"skills": _skill_names(membership)})
    return membership


def clean_skill_names(names: list[str]) -> list[str]:
    """Skill names as typed, trimmed, each once whatever its case, in the order given."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > MAX_SKILL_LENGTH:
            raise ValidationError({"skills": f"A skill name has at most {MAX_SKILL_LENGTH} characters: {name[:20]}…"})
        cleaned.setdefault(name.lower(), name)
    if len(cleaned) > MAX_SKILLS:
        raise ValidationError({"skills": f"A member has at most {MAX_SKILLS} skills."})
    return list(cleaned.values())


@settings_service(AREA)
def deactivate_member(
    *, actor: Membership | Automation, membership: Membership, hand_over_to: Membership | None = None
) -> Membership:
    """Take a member's access away, keeping their history. Their open work goes to `hand_over_to` (another
    active staff member), or back to its queue when None, in the same transaction (each app's
    `hand_over_open_work` hook: tickets reassigns their open tickets)."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    membership = _locked(membership, actor)
    if not membership.is_active:
        raise ServiceError(f"{membership.display_name} is already deactivated.")
    if hand_over_to is not None:
        ensure_same_tenant(membership, hand_over_to)
        if hand_over_to.pk == membership.pk or not hand_over_to.is_staff_member:
            raise ValidationError({"hand_over_to": "Choose another active staff member to take the open work."})
    _refuse_if_last_admin(membership, "be deactivated")
    before = snapshot(membership, ["is_active"])
    for hand_over in each_hook("hand_over_open_work"):
        hand_over(membership, to=hand_over_to, actor=actor)
    membership.is_active = False
    membership.availability = Membership.Availability.OFFLINE
    membership.save(update_fields=["is_active", "availability"])
    _record(actor, membership, before, snapshot(membership, ["is_active"]))
    return membership


@settings_service(AREA)
def reactivate_member(*, actor: Membership | Automation, membership: Membership) -> Membership:
    """Give a deactivated member their access back, with the role they had."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    membership = _locked(membership, actor)
    if membership.is_active:
        raise ServiceError(f"{membership.display_name} is already active.")
    if not membership.user.is_active:
        raise ServiceError(f"{membership.user.email}'s account is disabled on this platform.")
    before = snapshot(membership, ["is_active"])
    membership.is_active = True
    membership.save(update_fields=["is_active"])
    _record(actor, membership, before, snapshot(membership, ["is_active"]))
    return membership


# --- Guards and helpers ----------------------------------------------------------------------------------------


def _locked(membership: Membership, actor: object) -> Membership:
    """The membership, locked for the change, with its user (refused if it is another tenant's)."""
    ensure_same_tenant(actor if isinstance(actor, Membership) else None, membership)
    return Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)


def _refuse_if_last_admin(membership: Membership, what: str) -> None:
    """A tenant keeps at least one active admin. The admins' rows are locked so two admins demoting each other
    at once cannot both pass."""
    if membership.role != Role.ADMIN or not membership.is_active:
        return
    admins = list(
        Membership.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    )
    if not [pk for pk in admins if pk != membership.pk]:
        raise ServiceError(
            f"{membership.display_name} is the last admin and cannot {what}: make someone else an admin first."
        )


def _skill_names(membership: Membership) -> list[str]:
    names = Skill.objects.filter(member_links__membership=membership).values_list("name", flat=True)
    return sorted(names, key=str.lower)


def _record(actor: Membership | Automation, membership: Membership, before: dict, after: dict) -> None:
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=membership,
        label=f"{membership.display_name} <{membership.user.email}>",
        before=before,
        after=after,
    )
