"""Per-tenant structure the admins shape in the settings: the escalation ladder and the portal's settings."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tenancy.models import TenantModel
from tickets.models.ticket import MAX_ESCALATION_LEVEL


class EscalationTier(TenantModel):
    """One rung of the tenant's escalation ladder: Ticket.escalation_level 1..N names one of these by `level`
    (0 is not escalated). Tickets store the level, so renaming a tier renames it in every ticket's history."""

    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_ESCALATION_LEVEL)])
    name = models.CharField(max_length=100)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "level"], name="escalationtier_tenant_level"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=MAX_ESCALATION_LEVEL), name="escalationtier_level_range"
            ),
        ]
        ordering = ["level"]

    def __str__(self) -> str:
        return self.name


class PortalSettings(TenantModel):
    """The customer portal's settings: one row per tenant, made by the tenant's setup (tickets.tenant_hooks)."""

    welcome_text = models.TextField(
        blank=True, max_length=2000, help_text="Shown on the portal's home page, under the heading. Plain text."
    )
    require_category = models.BooleanField(
        default=False, help_text="Customers must choose a topic when they submit a request."
    )
    require_phone = models.BooleanField(
        default=False, help_text="Customers must give a phone number when they submit a request."
    )

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant"], name="portalsettings_one_per_tenant")]
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return "Portal settings"
