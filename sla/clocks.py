"""The clock rules: a ticket's targets and clock log computed from its audit events, as a pure function.

The SLA subscriber calls `replay()` on the whole history of a ticket every time it changes, so the result depends
only on the events (their kinds, actors, values and their own `created_at`), never on the order or the number of
times the change feed delivers them: history imported with tickets.clock.replaying comes out exactly as if it had
happened live, and an entry delivered late or twice changes nothing that the full history does not say.
The values the rules read and write (attributes, terms, events, one clock's arithmetic) live in sla.clock_types.

Rules (docs/sla.md says them in prose):
- created: first response and resolution start at the ticket's creation;
- a public reply by a member of staff meets first response and a running next update (an automation's message
  and the acknowledgement mail are not replies by staff: they record no "replied" event by a member);
- a customer's message starts next update unless one is running already (the oldest unanswered message counts)
  or first response is still running (it covers the same wait);
- pending pauses resolution (on hold too when the policy says so); leaving it resumes with the time left;
- resolved or closed meets resolution, and cancels a first response or next update still running;
- reopening resumes resolution from where it stopped and starts next update; first response stays met;
- spam cancels every clock (rescued from spam they start again, like a new ticket); a merge cancels the source's;
- a priority, queue or category change re-selects the policy and recomputes the running and paused targets from
  their original start with the new goal (as Zendesk does): an upgrade may be overdue at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sla.clock_types import (
    BREACHED,
    CANCELLED,
    FIRST_RESPONSE,
    KINDS,
    LIVE,
    MET,
    NEXT_UPDATE,
    PAUSED,
    RESOLUTION,
    RUNNING,
    Attributes,
    Clock,
    Event,
    LogLine,
    Outcome,
    Terms,
)

PRIORITY_NAMES = {"1": "low", "2": "normal", "3": "high", "4": "urgent"}

# The kinds of audit event that move a clock; the subscriber ignores changes made only of others.
RELEVANT_KINDS = frozenset(
    {
        "created",
        "replied",
        "customer_replied",
        "status_changed",
        "reopened",
        "customer_replied_while_pending",
        "priority_changed",
        "queue_changed",
        "categorised",
        "merged_into",
    }
)


Resolve = Callable[[Attributes], Terms | None]


def initial_attributes(current: Attributes, events: Sequence[Event]) -> Attributes:
    """The ticket's attributes when it was created: the first change of each field says what it was before."""
    values = {"priority": current.priority, "queue_id": current.queue_id, "category_id": current.category_id}
    seen: set[str] = set()
    for event in events:
        name = _attribute_of(event)
        if name and name not in seen:
            seen.add(name)
            values[name] = _parse(name, event.old)
    return replace(current, **values)


def _attribute_of(event: Event) -> str:
    if event.kind == "priority_changed":
        return "priority"
    if event.kind == "queue_changed":
        return "queue_id"
    if event.kind == "categorised" and event.field == "category":
        return "category_id"
    return ""


def _parse(name: str, value: str):
    if not value or value == "None":
        return None if name != "priority" else 2
    return int(value)


def replay(
    *, created_at: datetime, current: Attributes, events: Sequence[Event], resolve: Resolve, created_event_id: int = 0
) -> Outcome:
    """Run the clock rules over the ticket's events (sorted here by their own time, then id)."""
    ordered = sorted(events, key=lambda e: (e.at, e.id))
    run = _Run(resolve=resolve, attributes=initial_attributes(current, ordered))
    run.start_all(created_at, source=created_event_id, reason="ticket created")
    for event in ordered:
        run.apply(event)
    return run.outcome


class _Run:
    def __init__(self, *, resolve: Resolve, attributes: Attributes) -> None:
        self.resolve = resolve
        self.attributes = attributes
        self.terms = resolve(attributes)
        self.outcome = Outcome()
        self.status = "new"
        self.spam = False
        self.merged = False

    @property
    def clocks(self) -> dict[str, Clock]:
        return self.outcome.clocks

    def log(self, clock_kind: str, action: str, at: datetime, *, source: int | None, reason: str = "") -> None:
        clock = self.clocks.get(clock_kind)
        due = clock.due_at if clock is not None and action in ("started", "resumed", "due_changed") else None
        self.outcome.log.append(LogLine(clock_kind, action, at, due, reason[:255], source))

    # -- starting and stopping --

    def start(self, kind: str, at: datetime, *, source: int | None, reason: str) -> None:
        if self.terms is None or self.spam or self.merged:
            return
        goal = self.terms.goal(self.attributes.priority, kind)
        if goal is None:
            self.clocks.pop(kind, None)
            return
        seconds, business = goal
        clock = Clock(
            kind=kind,
            policy_id=self.terms.policy_id,
            policy_version=self.terms.version,
            calendar_id=self.terms.calendar_id,
            calendar=self.terms.calendar,
            business=business,
            goal=seconds,
            state=RUNNING,
            started_at=at,
            run_started_at=at,
            warn_percent=self.terms.warn_percent,
            warn_minutes_before=self.terms.warn_minutes_before,
            runs=[[at, None]],
        )
        clock.schedule()
        self.clocks[kind] = clock
        self.log(kind, "started", at, source=source, reason=f"{reason} ({self.terms.policy_name})")

    def start_all(self, at: datetime, *, source: int | None, reason: str) -> None:
        self.start(FIRST_RESPONSE, at, source=source, reason=reason)
        self.start(RESOLUTION, at, source=source, reason=reason)

    def meet(self, kind: str, at: datetime, *, source: int, reason: str) -> None:
        clock = self.clocks.get(kind)
        if clock is None or clock.state not in LIVE:
            return
        # Running: late when after the due (a reply at 20:00 to a 18:00 deadline is late, closed hours or not);
        # paused: late when the time used before the pause was past the goal.
        late = at > clock.due_at if clock.state == RUNNING else clock.used > clock.goal
        clock.stop(at, BREACHED if late else MET)
        clock.met_at = at
        clock.seconds_to_met = round(clock.used)
        self.log(kind, "breached" if late else "met", at, source=source, reason=reason)

    def cancel(self, kind: str, at: datetime, *, source: int, reason: str) -> None:
        clock = self.clocks.get(kind)
        if clock is None or clock.state not in LIVE:
            return
        clock.stop(at, CANCELLED)
        self.log(kind, "cancelled", at, source=source, reason=reason)

    def pause(self, kind: str, at: datetime, *, source: int, reason: str) -> None:
        clock = self.clocks.get(kind)
        if clock is None or clock.state != RUNNING:
            return
        clock.stop(at, PAUSED)
        self.log(kind, "paused", at, source=source, reason=reason)

    def resume(self, kind: str, at: datetime, *, source: int, reason: str, finished: bool = False) -> None:
        clock = self.clocks.get(kind)
        if clock is None or clock.state not in ((PAUSED, MET, BREACHED) if finished else (PAUSED,)):
            return
        clock.met_at = clock.seconds_to_met = None
        clock.run(at)
        self.log(kind, "resumed", at, source=source, reason=reason)

    # -- the rules --

    def apply(self, event: Event) -> None:
        at, source = event.at, event.id
        kind = event.kind
        if kind == "replied" and event.by_staff:
            self.meet(FIRST_RESPONSE, at, source=source, reason="first public reply by staff")
            self.meet(NEXT_UPDATE, at, source=source, reason="public reply by staff")
        elif kind == "customer_replied":
            first = self.clocks.get(FIRST_RESPONSE)
            waiting = self.clocks.get(NEXT_UPDATE)
            idle = (first is None or first.state not in LIVE) and (waiting is None or waiting.state not in LIVE)
            # On a resolved ticket the reopen that follows starts it.
            if idle and self.status not in ("resolved", "closed", "spam"):
                self.start(NEXT_UPDATE, at, source=source, reason="customer message")
        elif kind in ("status_changed", "reopened", "customer_replied_while_pending") and event.field == "status":
            self.status_change(event)
        elif kind == "merged_into":
            for name in KINDS:
                self.cancel(name, at, source=source, reason="merged into another ticket")
            self.merged = True
        elif _attribute_of(event):
            self.attribute_change(event)

    def _pauses(self, status: str) -> bool:
        return status == "pending" or (status == "on_hold" and self.terms is not None and self.terms.pause_on_hold)

    def status_change(self, event: Event) -> None:
        at, source, old, new = event.at, event.id, event.old or self.status, event.new
        self.status = new
        if new == "spam":
            for name in KINDS:
                self.cancel(name, at, source=source, reason="marked as spam")
            self.spam = True
            return
        if old == "spam":
            self.spam = False
            self.start_all(at, source=source, reason="rescued from spam")
            return
        if new in ("resolved", "closed"):
            self.meet(RESOLUTION, at, source=source, reason=f"ticket {new}")
            self.cancel(FIRST_RESPONSE, at, source=source, reason=f"ticket {new} before a first reply")
            self.cancel(NEXT_UPDATE, at, source=source, reason=f"ticket {new}")
            return
        if old in ("resolved", "closed"):
            self.resume(RESOLUTION, at, source=source, reason="ticket reopened", finished=True)
            waiting = self.clocks.get(NEXT_UPDATE)
            if waiting is None or waiting.state not in LIVE:
                self.start(NEXT_UPDATE, at, source=source, reason="ticket reopened")
        if self._pauses(new):
            self.pause(RESOLUTION, at, source=source, reason=f"ticket {new.replace('_', ' ')}")
        else:
            self.resume(RESOLUTION, at, source=source, reason=f"ticket {new.replace('_', ' ')}")

    def attribute_change(self, event: Event) -> None:
        name = _attribute_of(event)
        before_terms, before_priority = self.terms, self.attributes.priority
        self.attributes = replace(self.attributes, **{name: _parse(name, event.new)})
        self.terms = self.resolve(self.attributes)
        if self.terms == before_terms and self.attributes.priority == before_priority:
            return
        if name == "priority":
            reason = f"priority {PRIORITY_NAMES.get(event.old, event.old)} → {PRIORITY_NAMES.get(event.new, event.new)}"
        else:
            reason = f"{name.removesuffix('_id')} changed"
        if self.terms != before_terms:
            old_name = before_terms.policy_name if before_terms else "none"
            new_name = self.terms.policy_name if self.terms else "none"
            if old_name != new_name:
                reason += f"; policy {old_name} → {new_name}"
        for clock in list(self.clocks.values()):
            if clock.state in LIVE:
                self.recompute(clock, event, reason)

    def recompute(self, clock: Clock, event: Event, reason: str) -> None:
        """Same start, new goal: the time used is measured again from the original start (pauses left out) in the
        new terms' measure, so the due is where the new goal falls, in the past when the new goal is shorter than
        the time already used."""
        terms = self.terms
        goal = terms.goal(self.attributes.priority, clock.kind) if terms else None
        if goal is None:
            self.cancel(clock.kind, event.at, source=event.id, reason=f"{reason}: no such target any more")
            return
        seconds, business = goal
        clock.policy_id, clock.policy_version = terms.policy_id, terms.version
        clock.calendar_id, clock.calendar, clock.business, clock.goal = (
            terms.calendar_id, terms.calendar, business, seconds,
        )  # fmt: skip
        clock.warn_percent, clock.warn_minutes_before = terms.warn_percent, terms.warn_minutes_before
        clock.used = clock.used_at(clock.run_started_at)
        previous_due = clock.due_at
        clock.schedule()
        if clock.state == PAUSED or clock.due_at != previous_due:
            self.log(clock.kind, "due_changed", event.at, source=event.id, reason=reason)
