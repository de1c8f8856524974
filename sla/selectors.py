"""Reads for the pages: a ticket's clocks as the ticket page shows them, the calendars and policies lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from sla.business_time import NeverOpen, business_seconds_between, compiled, is_open, next_open
from sla.models import Calendar, ClockEvent, ReapplyJob, SlaPolicy, SlaTarget, TargetKind
from tickets.models import Ticket

KIND_ORDER = {kind: position for position, kind in enumerate(TargetKind.values)}


@dataclass(frozen=True)
class ClockView:
    """One target as the ticket header shows it: `tone` is green, amber (past the warning), red (overdue or
    met late), grey (paused, or waiting for the calendar to open)."""

    target: SlaTarget
    tone: str
    headline: str  # "2 h 15 min left", "40 min overdue", "paused: 3 h left", "met"
    detail: str  # "paused until Mon 08:00" outside hours, the due time otherwise
    due_at: datetime | None


def duration_words(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts) or "under a minute"


def ticket_clocks(ticket: Ticket, *, now: datetime | None = None) -> list[ClockView]:
    """The ticket's targets, with the business time left now (two queries: targets with their calendars, and
    the calendars' holidays once per calendar version, cached)."""
    now = now or timezone.now()
    targets = sorted(
        SlaTarget.objects.filter(ticket=ticket).select_related("calendar"), key=lambda t: KIND_ORDER[t.kind]
    )
    return [_view(target, now) for target in targets]


def _view(target: SlaTarget, now: datetime) -> ClockView:
    state = target.state
    if state == SlaTarget.State.MET:
        return ClockView(target, "green", "met", "", None)
    if state == SlaTarget.State.BREACHED:
        return ClockView(target, "red", "met late" if target.met_at else "breached", "", None)
    if state == SlaTarget.State.CANCELLED:
        return ClockView(target, "grey", "cancelled", "", None)
    if state == SlaTarget.State.PAUSED:
        left = max(0.0, target.remaining_seconds or 0)
        return ClockView(target, "grey", f"paused: {duration_words(left)} left", "paused while pending", None)
    calendar = compiled(target.calendar) if target.business else None
    due = target.due_at
    if now >= due:
        return ClockView(target, "red", f"{duration_words((now - due).total_seconds())} overdue", "", due)
    left = business_seconds_between(calendar, now, due) if calendar else (due - now).total_seconds()
    tone = "amber" if target.warn_at and now >= target.warn_at else "green"
    detail = ""
    if calendar is not None and not is_open(calendar, now):
        try:
            opening = next_open(calendar, now)
        except NeverOpen:
            opening = None
        if opening is not None:
            local = timezone.localtime(opening)
            tone = "grey" if tone == "green" else tone
            detail = f"paused until {local:%a %H:%M}" if opening - now < timedelta(days=6) else "paused"
    return ClockView(target, tone, f"{duration_words(left)} left", detail, due)


TONE_RANK = {"red": 0, "amber": 1, "green": 2, "grey": 3}


def header_clock(clocks: list[ClockView]) -> ClockView | None:
    """The one the ticket's header shows: the most urgent running (or paused) target, the nearest due first."""
    live = [c for c in clocks if c.target.state in (SlaTarget.State.RUNNING, SlaTarget.State.PAUSED)]
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return min(live, key=lambda c: (TONE_RANK.get(c.tone, 9), c.due_at or far), default=None)


def ticket_clock_log(ticket: Ticket, *, limit: int = 50) -> list[ClockEvent]:
    return list(ClockEvent.objects.filter(ticket=ticket).order_by("at", "position", "id")[:limit])


def list_calendars():
    return Calendar.objects.order_by("name")


def list_policies():
    return SlaPolicy.objects.select_related("calendar").order_by("position", "id")


def latest_reapply(policy: SlaPolicy) -> ReapplyJob | None:
    return ReapplyJob.objects.filter(policy=policy).order_by("-created_at", "-id").first()
