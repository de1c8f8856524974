"""Every allowed and every refused status transition, from the one table in tickets.lifecycle."""

import itertools

import pytest

from tickets.lifecycle import OPEN_STATUSES, TRANSITIONS, Status, TransitionError, check_transition, is_open

PAIRS = [(a, b) for a, b in itertools.product(Status.values, Status.values) if a != b]
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transition_passes(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_transition_says_why(current, target):
    with pytest.raises(TransitionError) as refused:
        check_transition(current, target)
    message = str(refused.value)
    assert Status(current).label.lower() in message.lower() or "final" in message


def test_closed_is_final_and_spam_can_only_be_rescued_to_new():
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert TRANSITIONS[Status.SPAM] == {Status.NEW}
    with pytest.raises(TransitionError, match="final"):
        check_transition(Status.CLOSED, Status.OPEN)


def test_same_status_and_unknown_status_are_refused():
    with pytest.raises(TransitionError, match="already"):
        check_transition(Status.OPEN, Status.OPEN)
    with pytest.raises(TransitionError, match="not a ticket status"):
        check_transition(Status.OPEN, "deleted")


def test_open_statuses():
    assert {s for s in Status.values if is_open(s)} == set(OPEN_STATUSES) == {"new", "open", "pending", "on_hold"}
