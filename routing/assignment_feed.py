"""Assignment's subscriber on the change feed (registered in RoutingConfig.ready): a ticket that stops counting
against someone's capacity (resolved, closed, marked spam, unassigned or handed to someone else) may let a waiting
ticket be assigned, so the `routing.assign_waiting` task is recorded (only when a ticket waits at all).

Not for replayed history (it assigns now, not then), and not for routing's own changes: routing publishes the task
itself where it frees capacity (the offline return)."""

from __future__ import annotations

from routing.assignment.services import CAPACITY_FREED, ROUTING, publish_assign_waiting
from tickets.feed.registry import Change
from tickets.lifecycle import OPEN_STATUSES

FEED_SUBSCRIBER = "routing.assignment"


def frees_capacity(event) -> bool:
    if event.kind == "unassigned":
        return True
    if event.kind == "assigned":
        return bool(event.old_value)  # handed from one owner to another: the first has room again
    if event.kind == "status_changed":
        return event.new_value not in OPEN_STATUSES and event.old_value in OPEN_STATUSES
    return False


def accepts_change(change: Change) -> bool:
    return any(frees_capacity(event) for event in change.events)


def handle_change(change: Change) -> None:
    publish_assign_waiting(trigger=CAPACITY_FREED)


OWN_AUTOMATION = ROUTING.name
