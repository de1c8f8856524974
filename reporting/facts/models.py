"""The per-ticket facts row (see reporting.facts)."""

from __future__ import annotations

from django.db import models

from tenancy.db.indexes import CoveringIndex
from tenancy.models import TenantModel
from tickets.models import Ticket


class TicketFacts(TenantModel):
    """One ticket's resolution facts, derived from its events (reporting.facts.services.refresh_ticket_facts).

    `first_resolved_at`: its earliest resolution event; `final_resolved_at`: its latest, NULL while the ticket
    is open (a reopened ticket has no final resolution yet). A ticket never resolved has no row."""

    # A foreign key with (tenant, ticket) unique rather than a one-to-one: tenant_id leads every unique key.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reporting_facts", db_index=False)
    ticket_created_at = models.DateTimeField()
    first_resolved_at = models.DateTimeField()
    final_resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        app_label = "reporting"
        verbose_name_plural = "ticket facts"
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket"], name="ticketfacts_one_per_ticket")]
        indexes = [
            # A period's final or first resolutions with what the speed pass needs, index-only.
            CoveringIndex(
                fields=["tenant", "final_resolved_at"],
                name="ticketfacts_final",
                include=["ticket_created_at", "ticket"],
                condition=models.Q(final_resolved_at__isnull=False),
            ),
            CoveringIndex(
                fields=["tenant", "first_resolved_at"],
                name="ticketfacts_first",
                include=["ticket_created_at", "ticket"],
            ),
        ]
