import factory
from django.utils import timezone

from sla.models import (
    AutomationSettings,
    Calendar,
    CalendarHoliday,
    ClockEvent,
    LadderRun,
    LadderStep,
    PolicyVersion,
    ReapplyJob,
    SlaAlert,
    SlaPolicy,
    SlaTarget,
    StatusClock,
)
from tests.tenancy.factories import TenantOwnedFactory
from tests.tickets.factories import TicketFactory

OFFICE_HOURS = [[[480, 1080]]] * 5 + [[], []]  # Mon-Fri 08:00-18:00

# Normal priority: 4 business hours to a first response, 8 to the next update, 40 to resolution.
STANDARD_TARGETS = {
    str(priority): {
        "first_response": {"seconds": first * 3600, "business": True},
        "next_update": {"seconds": update * 3600, "business": True},
        "resolution": {"seconds": resolution * 3600, "business": True},
    }
    for priority, (first, update, resolution) in {1: (8, 16, 80), 2: (4, 8, 40), 3: (2, 4, 16), 4: (1, 2, 8)}.items()
}


class CalendarFactory(TenantOwnedFactory):
    class Meta:
        model = Calendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Europe/Berlin"
    hours = factory.LazyFunction(lambda: [list(day) for day in OFFICE_HOURS])


class CalendarHolidayFactory(TenantOwnedFactory):
    class Meta:
        model = CalendarHoliday

    calendar = factory.SubFactory(CalendarFactory, tenant=factory.SelfAttribute("..tenant"))
    day = factory.Sequence(lambda n: timezone.localdate() + timezone.timedelta(days=n))
    name = "Company day"


class SlaPolicyFactory(TenantOwnedFactory):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")
    calendar = factory.SubFactory(CalendarFactory, tenant=factory.SelfAttribute("..tenant"))
    targets = factory.LazyFunction(lambda: STANDARD_TARGETS)
    warn_percent = 80


class PolicyVersionFactory(TenantOwnedFactory):
    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(SlaPolicyFactory, tenant=factory.SelfAttribute("..tenant"))
    version = factory.Sequence(lambda n: n + 2)
    calendar = factory.SelfAttribute("policy.calendar")
    targets = factory.LazyFunction(lambda: STANDARD_TARGETS)


class SlaTargetFactory(TenantOwnedFactory):
    class Meta:
        model = SlaTarget

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = "resolution"
    policy = factory.SubFactory(SlaPolicyFactory, tenant=factory.SelfAttribute("..tenant"))
    policy_version = 1
    calendar = factory.SelfAttribute("policy.calendar")
    goal_seconds = 3600
    state = "running"
    started_at = factory.LazyFunction(timezone.now)
    run_started_at = factory.SelfAttribute("started_at")
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=1))


class ClockEventFactory(TenantOwnedFactory):
    class Meta:
        model = ClockEvent

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    target_kind = "resolution"
    action = "started"
    at = factory.LazyFunction(timezone.now)


class ReapplyJobFactory(TenantOwnedFactory):
    class Meta:
        model = ReapplyJob

    policy = factory.SubFactory(SlaPolicyFactory, tenant=factory.SelfAttribute("..tenant"))
    version = 1


class LadderStepFactory(TenantOwnedFactory):
    class Meta:
        model = LadderStep

    policy = factory.SubFactory(SlaPolicyFactory, tenant=factory.SelfAttribute("..tenant"))
    target_kind = "first_response"
    trigger = "breach"
    raise_priority_to = 4


class SlaAlertFactory(TenantOwnedFactory):
    class Meta:
        model = SlaAlert

    target = factory.SubFactory(SlaTargetFactory, tenant=factory.SelfAttribute("..tenant"))
    ticket = factory.SelfAttribute("target.ticket")
    target_kind = factory.SelfAttribute("target.kind")
    kind = "breach"
    run_started_at = factory.SelfAttribute("target.started_at")
    at = factory.LazyFunction(timezone.now)


class LadderRunFactory(TenantOwnedFactory):
    class Meta:
        model = LadderRun

    step = factory.SubFactory(LadderStepFactory, tenant=factory.SelfAttribute("..tenant"))
    target = factory.SubFactory(SlaTargetFactory, tenant=factory.SelfAttribute("..tenant"))
    ticket = factory.SelfAttribute("target.ticket")
    run_started_at = factory.SelfAttribute("target.started_at")
    due_at = factory.LazyFunction(timezone.now)


class AutomationSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = AutomationSettings


class StatusClockFactory(TenantOwnedFactory):
    class Meta:
        model = StatusClock

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    status = "pending"
    since = factory.LazyFunction(timezone.now)
