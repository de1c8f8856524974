"""Fixtures shared by the tickets tests."""

import pytest

from tickets.feed.registry import SUBSCRIBERS, Subscriber, register_subscriber


@pytest.fixture
def subscribe():
    """Register feed subscribers for one test (the registry is process-wide)."""
    added = []

    def add(name, handle, **options):
        register_subscriber(Subscriber(name=name, handle=handle, **options))
        added.append(name)

    yield add
    for name in added:
        SUBSCRIBERS.pop(name, None)
