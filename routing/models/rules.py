"""The rule engine's tables: the draft rules admins edit, the published versions the engine runs, and one
decision row per routed change (what matched, what was done, what was skipped and why)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantModel


class Rule(TenantModel):
    """One rule of the tenant's draft. The engine never reads these rows: it runs the published RuleSetVersion,
    a snapshot taken when an admin publishes, so editing the draft changes nothing until then.

    `conditions` is a list of {"field", "op", "value", "negate"} (routing.conditions), `actions` a list of
    {"action", "value"} (routing.actions); both are validated by the services before they are stored."""

    class Match(models.TextChoices):
        ALL = "all", "all conditions"
        ANY = "any", "any condition"

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    # After this rule matched, later rules are not evaluated.
    stop_processing = models.BooleanField(default=False)
    # Also evaluated when a ticket changes (not only when it is created).
    on_update = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position", "id"], name="routing_rule_order")]

    def __str__(self) -> str:
        return self.name


class RuleSetVersion(TenantModel):
    """A published, immutable snapshot of the draft: the rules in order, as stored in Rule rows (ids kept so a
    decision can name the rule). The newest version is the one in force; older ones explain old decisions."""

    number = models.PositiveIntegerField()
    rules = models.JSONField(default=list)
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    published_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_by_automation = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="routing_version_number")]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"version {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Published rule set versions are immutable; publish a new one.")
        super().save(*args, **kwargs)


class RoutingDecision(TenantModel):
    """What the rules decided for one change of one ticket, with ids (rule, version) and codes; the ticket page
    turns it into words. Unique per change-feed entry: an entry handed over twice is decided once.

    `matched`: [{"rule": id, "held": [positions of the conditions that held, only for an "any" rule of which
    some did not]}], the rule's name and conditions being in `version` (immutable, protected); rows written before
    2026-12-07 carry "name", "match" and "conditions" themselves. `applied`: [{"action", "value", "rule": id}];
    `skipped`: [{"action", "value", "rule": id, "why": code, "detail"}]."""

    class Trigger(models.TextChoices):
        CREATED = "created", "New ticket"
        UPDATED = "updated", "Ticket changed"
        RERUN = "rerun", "Re-run by an admin"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="routing_decisions")
    # The change-feed entry routed (no foreign key: done entries are pruned, decisions stay); null for a re-run.
    entry_id = models.BigIntegerField(null=True, blank=True)
    version = models.ForeignKey(RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.CREATED)
    matched = models.JSONField(default=list, blank=True)
    applied = models.JSONField(default=list, blank=True)
    skipped = models.JSONField(default=list, blank=True)
    assign = models.CharField(max_length=10, default="none")
    replay = models.BooleanField(default=False)
    requested_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "entry_id"],
                name="routing_decision_once_per_entry",
                condition=Q(entry_id__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "ticket", "created_at", "id"], name="routing_decision_ticket")]

    def __str__(self) -> str:
        return f"routing of ticket {self.ticket_id} (entry {self.entry_id})"
