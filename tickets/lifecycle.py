"""The ticket lifecycle in one place: statuses, which of them count as open, and the allowed transitions."""

from __future__ import annotations

from django.db import models

from tickets.errors import TicketError


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"  # waiting on the customer
    ON_HOLD = "on_hold", "On hold"  # waiting on a third party
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    SPAM = "spam", "Spam"


OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})

# from -> the statuses it may move to. Closed is final; spam can only be rescued back to new.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED, Status.SPAM}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED, Status.SPAM}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.SPAM: frozenset({Status.NEW}),
}

# What the customer reads in the portal: the status in plain words and what happens next.
CUSTOMER_WORDING = {
    Status.NEW: ("Received", "We have your request and will get back to you soon."),
    Status.OPEN: ("In progress", "Someone is working on your request."),
    Status.PENDING: ("Waiting for you", "We need something from you: reply to continue."),
    Status.ON_HOLD: ("On hold", "We are waiting on a third party and will update you."),
    Status.RESOLVED: ("Resolved", "We think this is solved. Reply if it isn't and we'll reopen it."),
    Status.CLOSED: ("Closed", "This request is closed. Write to us again to start a new one."),
    Status.SPAM: ("Closed", "This request is closed."),
}


class TransitionError(TicketError):
    """A status change the lifecycle does not allow; the message says why, for the person who tried."""


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def check_transition(current: str, target: str) -> None:
    if target not in Status.values:
        raise TransitionError(f"“{target}” is not a ticket status.")
    if current == target:
        raise TransitionError(f"The ticket is already {Status(current).label.lower()}.")
    if target not in TRANSITIONS[current]:
        if current == Status.CLOSED:
            raise TransitionError("Closed tickets are final. Open a new ticket and link it instead.")
        allowed = ", ".join(Status(s).label.lower() for s in sorted(TRANSITIONS[current])) or "nothing"
        raise TransitionError(
            f"A {Status(current).label.lower()} ticket cannot become {Status(target).label.lower()} "
            f"(it can become: {allowed})."
        )


def allowed_targets(current: str) -> list[Status]:
    return [status for status in Status if status in TRANSITIONS[current]]
