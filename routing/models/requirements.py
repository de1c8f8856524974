"""The skills a ticket needs before an agent may be picked for it by the skill-based strategy."""

from __future__ import annotations

from django.db import models

from tenancy.models import Skill, TenantModel


class TicketSkillRequirement(TenantModel):
    """One skill one ticket requires. Set by a routing rule's action; read by skill-based assignment.

    A row per (ticket, skill) rather than a list on the ticket: "which waiting tickets need a skill this agent just
    brought online" is an indexed lookup, and deleting a skill removes its requirements with it.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="ticket_requirements")

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "skill"], name="routing_skillreq_once"),
        ]
        indexes = [models.Index(fields=["tenant", "skill"], name="routing_skillreq_by_skill")]

    def __str__(self) -> str:
        return f"{self.ticket_id} needs {self.skill_id}"
