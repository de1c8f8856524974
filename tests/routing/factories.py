"""Factories for routing's rows."""

import factory

from routing.models import AssignmentDecision, AvailabilityChange, RoundRobinTurn, TicketSkillRequirement
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
