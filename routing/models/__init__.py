"""Routing's tables. One module per concern: the rule engine's, assignment's, and the skills a ticket needs, which
both read (rules set them, strategies match them)."""

from routing.models.assignment import AssignmentDecision, AvailabilityChange, RoundRobinTurn  # noqa: F401
from routing.models.requirements import TicketSkillRequirement
from routing.models.rules import RoutingDecision, Rule, RuleSetVersion

__all__ = ["RoutingDecision", "Rule", "RuleSetVersion", "TicketSkillRequirement"]
