from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sla import services as sla_services
from tenancy.actors import Automation
from tenancy.context import tenant_context
from tests.sla.factories import OFFICE_HOURS, STANDARD_TARGETS
from tickets import clock, services

BERLIN = ZoneInfo("Europe/Berlin")
SETUP = Automation("test setup")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def office(tenant):
    """Acme's "Office" calendar (Berlin, Mon-Fri 08-18, German holidays) and its default policy."""
    with tenant_context(tenant):
        calendar = sla_services.create_calendar(
            actor=SETUP, name="Office", time_zone="Europe/Berlin", hours=OFFICE_HOURS, holiday_country="DE"
        )
        policy = sla_services.create_policy(
            actor=SETUP, name="Standard", calendar=calendar, targets=STANDARD_TARGETS, is_default=True
        )
    return {"calendar": calendar, "policy": policy}


@pytest.fixture
def at(tenant):
    """`at(moment, service, **kwargs)`: call a ticket service as if it ran at that moment (history replay)."""

    def call(moment, function, **kwargs):
        with tenant_context(tenant), clock.replaying(moment):
            return function(**kwargs)

    return call


@pytest.fixture
def opened(tenant, desk, office, at):
    """`opened(moment, **extra)`: a ticket the requester opened at that moment."""

    def make(moment, **extra):
        contact = extra.pop("contact", desk["contact"])
        return at(moment, services.create_ticket, actor=contact, contact=contact, subject="Help", body="Help!", **extra)

    return make
