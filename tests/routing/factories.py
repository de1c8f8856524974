"""Factories for routing's rows."""

import factory

from routing.models import (
    AssignmentDecision,
    AvailabilityChange,
    RoundRobinTurn,
    RoutingDecision,
    Rule,
    RuleSetVersion,
    TicketSkillRequirement,
)
from tests.tenancy.factories import MembershipFactory, SkillFactory, TenantOwnedFactory
from tests.tickets.factories import QueueFactory, TicketFactory


class TicketSkillRequirementFactory(TenantOwnedFactory):
    class Meta:
        model = TicketSkillRequirement

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    skill = factory.SubFactory(SkillFactory, tenant=factory.SelfAttribute("..tenant"))


# --- Assignment -------------------------------------------------------------------------------------------------


class AssignmentDecisionFactory(TenantOwnedFactory):
    class Meta:
        model = AssignmentDecision

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    strategy = "least_loaded"
    outcome = AssignmentDecision.Outcome.WAITING


class RoundRobinTurnFactory(TenantOwnedFactory):
    class Meta:
        model = RoundRobinTurn

    queue = factory.SubFactory(QueueFactory, tenant=factory.SelfAttribute("..tenant"))


class AvailabilityChangeFactory(TenantOwnedFactory):
    class Meta:
        model = AvailabilityChange

    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    old = "offline"
    new = "online"


class RuleFactory(TenantOwnedFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: n)
    actions = factory.LazyFunction(lambda: [{"action": "set_priority", "value": 3}])


class RuleSetVersionFactory(TenantOwnedFactory):
    class Meta:
        model = RuleSetVersion

    number = factory.Sequence(lambda n: n + 1)
    rules = factory.LazyFunction(list)
    published_by = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))


class RoutingDecisionFactory(TenantOwnedFactory):
    class Meta:
        model = RoutingDecision

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    version = factory.SubFactory(RuleSetVersionFactory, tenant=factory.SelfAttribute("..tenant"))
    entry_id = factory.Sequence(lambda n: n + 1)
    requested_by = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
