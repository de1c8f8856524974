"""Factories for routing's rows."""

import factory

from routing.models import TicketSkillRequirement
from tests.tenancy.factories import SkillFactory, TenantOwnedFactory
from tests.tickets.factories import TicketFactory


class TicketSkillRequirementFactory(TenantOwnedFactory):
    class Meta:
        model = TicketSkillRequirement

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    skill = factory.SubFactory(SkillFactory, tenant=factory.SelfAttribute("..tenant"))
