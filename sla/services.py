"""Calendars, holidays and policies: validated, versioned and audited (tenancy.audit) in one transaction each.

A calendar edit bumps its version (cached compiled copies are per version) and applies to every clock from its next
recompute; a policy edit bumps its version and stores the new terms as a PolicyVersion: tickets keep the version
they started with until an admin re-applies the policy to open tickets (sla.reapply)."""

from __future__ import annotations

import itertools
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data
from django.db import transaction
from django.utils import timezone

from sla.business_time import format_minutes
from sla.models import WEEKDAYS, Calendar, CalendarHoliday, PolicyVersion, ReapplyJob, SlaPolicy, TargetKind
from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.outbox import on_commit_task
from tickets.models import Priority

Actor = Membership | Automation
CALENDAR_FIELDS = ("name", "time_zone", "hours", "holiday_country", "holiday_subdivision")
POLICY_FIELDS = (
    "name",
    "position",
    "is_default",
    "calendar",
    "conditions",
    "targets",
    "warn_percent",
    "warn_minutes_before",
    "pause_on_hold",
)
REFUSAL = "Only tenant admins can change business hours and SLA policies."
REAPPLY_TASK = "sla.reapply_policy"


# ---- validation, with messages an admin can act on ----


def validate_hours(hours: list) -> list[list[list[int]]]:
    if not isinstance(hours, list | tuple) or len(hours) != 7:
        raise ServiceError("Give opening hours for each of the seven weekdays (a closed day has none).")
    cleaned = []
    for weekday, intervals in zip(WEEKDAYS, hours, strict=True):
        day = sorted([int(start), int(end)] for start, end in intervals)
        for start, end in day:
            if not 0 <= start < end <= 1440:
                raise ServiceError(
                    f"{weekday}: {format_minutes(start)}-{format_minutes(end)} is not a time span of one day "
                    "(it must end after it starts, by 24:00 at the latest)."
                )
        for (start, end), (next_start, next_end) in itertools.pairwise(day):
            if next_start < end:
                raise ServiceError(
                    f"{weekday}: {format_minutes(start)}-{format_minutes(end)} overlaps "
                    f"{format_minutes(next_start)}-{format_minutes(next_end)}."
                )
        cleaned.append(day)
    return cleaned


def validate_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"“{name}” is not a time zone (use a name such as Europe/Berlin).") from None
    return name


def validate_region(country: str, subdivision: str) -> tuple[str, str]:
    country, subdivision = country.strip().upper(), subdivision.strip()
    if not country:
        if subdivision:
            raise ServiceError("Choose the country of the region whose public holidays apply.")
        return "", ""
    supported = holiday_data.list_supported_countries()
    if country not in supported:
        raise ServiceError(f"No public holidays are known for the country code “{country}”.")
    if subdivision:
        match = next((s for s in supported[country] if s.upper() == subdivision.upper()), None)
        if match is None:
            regions = ", ".join(supported[country][:30])
            raise ServiceError(f"“{subdivision}” is not a region of {country} (regions: {regions}).")
        subdivision = match
    return country, subdivision


def validate_targets(targets: dict) -> dict:
    cleaned: dict = {}
    for priority, kinds in (targets or {}).items():
        if str(priority) not in {str(value) for value in Priority.values}:
            raise ServiceError(f"Unknown priority “{priority}”.")
        for kind, target in (kinds or {}).items():
            if kind not in TargetKind.values:
                raise ServiceError(f"Unknown target “{kind}”.")
            if target is None:
                continue
            seconds = target.get("seconds")
            if seconds is None:
                continue
            if int(seconds) <= 0:
                label = f"{TargetKind(kind).label} for {Priority(int(priority)).label} priority"
                raise ServiceError(f"{label}: a target must be longer than zero (leave it empty for none).")
            cleaned.setdefault(str(priority), {})[kind] = {
                "seconds": int(seconds),
                "business": bool(target.get("business", True)),
            }
    if not cleaned:
        raise ServiceError("Give at least one target.")
    return cleaned


def validate_warning(warn_percent: int | None, warn_minutes_before: int | None) -> None:
    if warn_percent is not None and warn_minutes_before is not None:
        raise ServiceError("Warn either at a share of the target or some minutes before it, not both.")
    if warn_percent is not None and not 1 <= warn_percent <= 99:
        raise ServiceError("The warning share is between 1 and 99 percent of the target.")
    if warn_minutes_before is not None and warn_minutes_before <= 0:
        raise ServiceError("Warn a positive number of minutes before the deadline.")


# ---- calendars ----


@settings_service("sla.calendars")
def create_calendar(
    *,
    actor: Actor,
    name: str,
    time_zone: str,
    hours: list,
    holiday_country: str = "",
    holiday_subdivision: str = "",
) -> Calendar:
    require_admin_or_automation(actor, REFUSAL)
    name = name.strip()
    if not name:
        raise ServiceError("Give the calendar a name.")
    if Calendar.objects.filter(name__iexact=name).exists():
        raise ServiceError(f"There is already a calendar called “{name}”.")
    country, subdivision = validate_region(holiday_country, holiday_subdivision)
    calendar = Calendar.objects.create(
        name=name,
        time_zone=validate_zone(time_zone),
        hours=validate_hours(hours),
        holiday_country=country,
        holiday_subdivision=subdivision,
    )
    record_config_change(
        actor=actor,
        area="sla.calendars",
        action=ConfigChange.Action.CREATED,
        target=calendar,
        after=snapshot(calendar, CALENDAR_FIELDS),
    )
    return calendar


@settings_service("sla.calendars")
def update_calendar(
    *,
    actor: Actor,
    calendar: Calendar,
    name: str,
    time_zone: str,
    hours: list,
    holiday_country: str = "",
    holiday_subdivision: str = "",
) -> Calendar:
    require_admin_or_automation(actor, REFUSAL)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    before = snapshot(calendar, CALENDAR_FIELDS)
    name = name.strip()
    if not name:
        raise ServiceError("Give the calendar a name.")
    if Calendar.objects.filter(name__iexact=name).exclude(pk=calendar.pk).exists():
        raise ServiceError(f"There is already a calendar called “{name}”.")
    calendar.name, calendar.time_zone, calendar.hours = name, validate_zone(time_zone), validate_hours(hours)
    calendar.holiday_country, calendar.holiday_subdivision = validate_region(holiday_country, holiday_subdivision)
    after = snapshot(calendar, CALENDAR_FIELDS)
    if after != before:
        _bump(calendar)
        calendar.save()
    record_config_change(
        actor=actor, area="sla.calendars", action=ConfigChange.Action.UPDATED, target=calendar, before=before,
        after=after,
    )  # fmt: skip
    return calendar


@settings_service("sla.calendars")
def add_holiday(*, actor: Actor, calendar: Calendar, day: date, name: str = "", recurring: bool = False):
    """Close the calendar on a day (every year when `recurring`); audited as a change of its holidays."""
    require_admin_or_automation(actor, REFUSAL)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    if calendar.holidays.filter(day=day).exists():
        raise ServiceError(f"{day:%d %b %Y} is already a holiday of this calendar.")
    before = _holidays(calendar)
    holiday = CalendarHoliday.objects.create(calendar=calendar, day=day, name=name.strip()[:100], recurring=recurring)
    _bump(calendar)
    calendar.save(update_fields=["version", "updated_at"])
    record_config_change(
        actor=actor, area="sla.calendars", action=ConfigChange.Action.UPDATED, target=calendar,
        before={"holidays": before}, after={"holidays": _holidays(calendar)},
    )  # fmt: skip
    return holiday


@settings_service("sla.calendars")
def remove_holiday(*, actor: Actor, holiday: CalendarHoliday) -> Calendar:
    require_admin_or_automation(actor, REFUSAL)
    calendar = Calendar.objects.select_for_update().get(pk=holiday.calendar_id)
    before = _holidays(calendar)
    holiday.delete()
    _bump(calendar)
    calendar.save(update_fields=["version", "updated_at"])
    record_config_change(
        actor=actor, area="sla.calendars", action=ConfigChange.Action.UPDATED, target=calendar,
        before={"holidays": before}, after={"holidays": _holidays(calendar)},
    )  # fmt: skip
    return calendar


def _holidays(calendar: Calendar) -> list[str]:
    return [
        f"{h.day.isoformat()}{' yearly' if h.recurring else ''}{f' {h.name}' if h.name else ''}"
        for h in calendar.holidays.order_by("day")
    ]


def _bump(row) -> None:
    row.version += 1
    row.updated_at = timezone.now()


# ---- policies ----


@settings_service("sla.policies")
def create_policy(
    *,
    actor: Actor,
    name: str,
    calendar: Calendar,
    targets: dict,
    conditions: dict | None = None,
    is_default: bool = False,
    warn_percent: int | None = 80,
    warn_minutes_before: int | None = None,
    pause_on_hold: bool = False,
    position: int | None = None,
) -> SlaPolicy:
    require_admin_or_automation(actor, REFUSAL)
    name = name.strip()
    if not name:
        raise ServiceError("Give the policy a name.")
    if SlaPolicy.objects.filter(name__iexact=name).exists():
        raise ServiceError(f"There is already a policy called “{name}”.")
    ensure_same_tenant(calendar)
    validate_warning(warn_percent, warn_minutes_before)
    if not is_default and not SlaPolicy.objects.filter(is_default=True).exists():
        raise ServiceError("The first policy is the default: tickets no other policy matches get it.")
    if is_default:
        SlaPolicy.objects.filter(is_default=True).update(is_default=False)
    if position is None:
        position = (SlaPolicy.objects.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    policy = SlaPolicy.objects.create(
        name=name,
        calendar=calendar,
        targets=validate_targets(targets),
        conditions=clean_conditions(conditions or {}),
        is_default=is_default,
        warn_percent=warn_percent,
        warn_minutes_before=warn_minutes_before,
        pause_on_hold=pause_on_hold,
        position=position,
    )
    _store_version(policy)
    record_config_change(
        actor=actor,
        area="sla.policies",
        action=ConfigChange.Action.CREATED,
        target=policy,
        after=snapshot(policy, POLICY_FIELDS),
    )
    return policy


@settings_service("sla.policies")
def update_policy(*, actor: Actor, policy: SlaPolicy, **changes) -> SlaPolicy:
    """Change any of POLICY_FIELDS; new tickets get the new version, open ones keep theirs until re-applied."""
    require_admin_or_automation(actor, REFUSAL)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ServiceError(f"A policy has no setting {', '.join(sorted(unknown))}.")
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    before = snapshot(policy, POLICY_FIELDS)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ServiceError("Give the policy a name.")
        if SlaPolicy.objects.filter(name__iexact=changes["name"]).exclude(pk=policy.pk).exists():
            raise ServiceError(f"There is already a policy called “{changes['name']}”.")
    if "targets" in changes:
        changes["targets"] = validate_targets(changes["targets"])
    if "conditions" in changes:
        changes["conditions"] = clean_conditions(changes["conditions"] or {})
    if "calendar" in changes:
        ensure_same_tenant(policy, changes["calendar"])
    validate_warning(
        changes.get("warn_percent", policy.warn_percent), changes.get("warn_minutes_before", policy.warn_minutes_before)
    )
    if policy.is_default and changes.get("is_default") is False:
        raise ServiceError("There must be a default policy: make another policy the default instead.")
    if changes.get("is_default") and not policy.is_default:
        SlaPolicy.objects.filter(is_default=True).update(is_default=False)
    for name, value in changes.items():
        setattr(policy, name, value)
    after = snapshot(policy, POLICY_FIELDS)
    if after != before:
        _bump(policy)
        policy.save()
        _store_version(policy)
    record_config_change(
        actor=actor, area="sla.policies", action=ConfigChange.Action.UPDATED, target=policy, before=before,
        after=after,
    )  # fmt: skip
    return policy


def clean_conditions(conditions: dict) -> dict:
    from sla.policies import CONDITION_FIELDS

    unknown = set(conditions) - set(CONDITION_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown condition {', '.join(sorted(unknown))}.")
    return {key: sorted({str(value) for value in values}) for key, values in conditions.items() if values}


def _store_version(policy: SlaPolicy) -> None:
    PolicyVersion.objects.create(
        policy=policy,
        version=policy.version,
        calendar_id=policy.calendar_id,
        targets=policy.targets,
        warn_percent=policy.warn_percent,
        warn_minutes_before=policy.warn_minutes_before,
        pause_on_hold=policy.pause_on_hold,
    )


def request_reapply(*, actor: Actor, policy: SlaPolicy) -> ReapplyJob:
    """Queue "re-apply the policy's current version to its open tickets" (the job runs in the background; one at a
    time per tenant, see sla.reapply); a job already waiting or running for it is returned instead."""
    require_admin_or_automation(actor, REFUSAL)
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        waiting = ReapplyJob.objects.filter(
            policy=policy, status__in=(ReapplyJob.Status.QUEUED, ReapplyJob.Status.RUNNING)
        ).first()
        if waiting is not None:
            return waiting
        job = ReapplyJob.objects.create(
            policy=policy,
            version=policy.version,
            requested_by=actor if isinstance(actor, Membership) else None,
        )
        on_commit_task(REAPPLY_TASK, job_id=job.pk)
    return job
