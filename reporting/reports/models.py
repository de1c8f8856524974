"""Scheduled reports: a staff member's subscription to the weekly summary mail."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenancy.models import Membership, TenantModel


class ReportSubscription(TenantModel):
    """One member subscribed to one scheduled report. `last_period_start` is the first day of the last period
    mailed (the tenant's local Monday): the scheduler claims a week with one conditional UPDATE, so running it
    twice, or on two beat processes, mails a week once."""

    class Kind(models.TextChoices):
        WEEKLY_SUMMARY = "weekly_summary", "Weekly summary"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WEEKLY_SUMMARY)
    last_period_start = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        app_label = "reporting"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "kind"], name="reportsubscription_once"),
        ]


# reporting/apps.py is shared: the scheduled-report tasks register themselves in every process from here, the
# one module of this package that Django always loads (through reporting/models.py).
from reporting.reports import tasks  # noqa: E402,F401
