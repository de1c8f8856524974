"""The values the clock rules (sla.clocks) read and write: a ticket's attributes, a policy's terms, an audit event,
the log lines, and one clock with its arithmetic (the spans it ran, the time used in its measure, when it falls
due and warns). Pure: no database, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sla.business_time import CompiledCalendar, add_business_seconds, always_open, business_seconds_between

FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION = "first_response", "next_update", "resolution"
KINDS = (FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION)
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
LIVE = (RUNNING, PAUSED)


@dataclass(frozen=True)
class Attributes:
    """What a policy's conditions look at."""

    priority: int
    queue_id: int | None
    category_id: int | None
    channel: str
    tier: str
    organisation_id: int | None


@dataclass(frozen=True)
class Terms:
    """One version of one policy, ready to compute with."""

    policy_id: int
    policy_name: str
    version: int
    calendar_id: int
    calendar: CompiledCalendar
    targets: dict  # {"<priority>": {"<kind>": {"seconds": n, "business": bool}}}
    warn_percent: int | None = None
    warn_minutes_before: int | None = None
    pause_on_hold: bool = False

    def goal(self, priority: int, kind: str) -> tuple[int, bool] | None:
        target = self.targets.get(str(priority), {}).get(kind)
        if not target or int(target.get("seconds") or 0) <= 0:
            return None
        return int(target["seconds"]), bool(target.get("business", True))


@dataclass(frozen=True)
class Event:
    """The parts of a TicketEvent the rules read."""

    id: int
    kind: str
    at: datetime
    field: str = ""
    old: str = ""
    new: str = ""
    by_staff: bool = False  # recorded by a member (not a contact, not an automation)


@dataclass
class Clock:
    kind: str
    policy_id: int
    policy_version: int
    calendar_id: int
    calendar: CompiledCalendar
    business: bool
    goal: int
    state: str
    started_at: datetime
    run_started_at: datetime
    used: float = 0.0  # open seconds used before run_started_at
    due_at: datetime | None = None
    warn_at: datetime | None = None
    met_at: datetime | None = None
    seconds_to_met: int | None = None
    warn_percent: int | None = None
    warn_minutes_before: int | None = None

    # The spans the clock ran, [start, end) with end None while running: pauses and stops are the gaps, so time
    # used is measured from the original start in whatever measure the clock has now.
    runs: list = field(default_factory=list)

    @property
    def measure(self) -> CompiledCalendar:
        return self.calendar if self.business else _PLAIN

    @property
    def remaining(self) -> float:
        return self.goal - self.used

    def used_at(self, moment: datetime) -> float:
        total = 0.0
        for start, end in self.runs:
            end = moment if end is None or end > moment else end
            if end > start:
                total += business_seconds_between(self.measure, start, end)
        return total

    def stop(self, at: datetime, state: str) -> None:
        if self.runs and self.runs[-1][1] is None:
            self.runs[-1][1] = at
        self.used = self.used_at(at)
        self.state = state
        self.run_started_at = at
        self.schedule()

    def run(self, at: datetime) -> None:
        self.used = self.used_at(at)
        self.runs.append([at, None])
        self.state = RUNNING
        self.run_started_at = at
        self.schedule()

    def schedule(self) -> None:
        """Due and warning of a running clock: when the time used reaches the goal (or the warning share)."""
        if self.state != RUNNING:
            self.due_at = self.warn_at = None
            return
        self.due_at = self._reached(self.goal)
        warn_used = None
        if self.warn_percent:
            warn_used = self.goal * self.warn_percent / 100
        elif self.warn_minutes_before:
            warn_used = max(0, self.goal - self.warn_minutes_before * 60)
        self.warn_at = self._reached(warn_used) if warn_used is not None else None

    def _reached(self, total: float) -> datetime:
        """The moment the clock's used time reaches `total`: ahead in the current run, or back in an earlier one
        (a goal cut below the time already used is overdue since then, not since now)."""
        used = 0.0
        for start, end in self.runs:
            if end is None:
                return add_business_seconds(self.measure, start, max(0.0, total - used))
            span = business_seconds_between(self.measure, start, end)
            if used + span >= total:
                return add_business_seconds(self.measure, start, max(0.0, total - used))
            used += span
        return self.run_started_at

    @property
    def next_check_at(self) -> datetime | None:
        if self.state != RUNNING:
            return None
        return self.warn_at if self.warn_at is not None and self.warn_at < self.due_at else self.due_at


_PLAIN = always_open()


@dataclass(frozen=True)
class LogLine:
    target_kind: str
    action: str
    at: datetime
    due_at: datetime | None = None
    reason: str = ""
    source_event_id: int | None = None


@dataclass
class Outcome:
    clocks: dict[str, Clock] = field(default_factory=dict)
    log: list[LogLine] = field(default_factory=list)
