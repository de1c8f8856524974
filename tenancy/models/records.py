"""What a tenant's changes leave behind in their own transaction: the configuration audit (who changed which setting,
from what to what) and the outbox (follow-up work recorded in the transaction that caused it)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone as dj_timezone

from tenancy.models.members import Membership
from tenancy.models.scoping import TenantModel


class ConfigChange(TenantModel):
    """One change to a tenant's configuration, written by the settings service in the change's own transaction.

    `before` and `after` hold only the keys that changed, as JSON values (ids for references, never secrets:
    a secret reads "(hidden)"). Rows are never updated or deleted."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Changed"
        DELETED = "deleted", "Deleted"
        ARCHIVED = "archived", "Archived"
        MERGED = "merged", "Merged"

    actor_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_automation = models.CharField(max_length=100, blank=True)
    # Where the change belongs, as "<app>.<area>" ("tickets.queues", "tenancy.members"): what the audit filters by.
    area = models.CharField(max_length=60)
    action = models.CharField(max_length=12, choices=Action.choices)
    # What changed: its model label and id (a string: some settings have no row of their own) and its name then.
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="configchange_recent"),
            models.Index(fields=["tenant", "area", "-created_at"], name="configchange_area"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="configchange_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(actor_membership__isnull=False, actor_automation="")
                    | (models.Q(actor_membership__isnull=True) & ~models.Q(actor_automation=""))
                ),
                name="configchange_exactly_one_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.action} {self.target_label}".strip()

    @property
    def actor_name(self) -> str:
        return self.actor_membership.display_name if self.actor_membership_id else self.actor_automation

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(key, before, after) for each key that changed, in a stable order."""
        keys = sorted(set(self.before) | set(self.after))
        return [(key, self.before.get(key), self.after.get(key)) for key in keys]


class PendingTask(TenantModel):
    """A task that must run, written in the same transaction as its cause (see tenancy.outbox)."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["last_sent_at"], name="pendingtask_undone", condition=models.Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
