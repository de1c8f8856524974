"""What makes agents fast: canned responses, saved views, drafts and notifications (all tenant-owned)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantModel
from tickets import notification_kinds
from tickets.models.desk import Team
from tickets.models.ticket import Ticket


class CannedResponse(TenantModel):
    """A reusable reply. Shared (no owner) or personal; its body may use the whitelisted placeholders of
    tickets.services.canned (never the template language)."""

    title = models.CharField(max_length=120)
    folder = models.CharField(max_length=60, blank=True)
    body = models.TextField()
    owner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Applied through the services when the response is used, e.g. "pending" (empty: no status change).
    set_status = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "owner", "folder", "title"], name="canned_owner_folder")]
        ordering = ["folder", "title"]

    def __str__(self) -> str:
        return self.title


class SavedView(TenantModel):
    """A named filter and sort over one of the desk's lists, personal or shared with a team."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # Set by a supervisor to share the view with everyone in the team.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The list it starts from ("all", "mine", "unassigned", "escalated" or "queue:<id>") and the query string.
    base = models.CharField(max_length=40, default="all")
    query = models.CharField(max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "owner"], name="savedview_owner"),
            models.Index(fields=["tenant", "team"], name="savedview_team", condition=Q(team__isnull=False)),
        ]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Draft(TenantModel):
    """A half-written reply or note, kept per agent and ticket so it survives a reload; cleared on send."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, default="reply")
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "membership"], name="draft_one_per_agent"),
        ]


class Notification(TenantModel):
    class Kind:
        """The tickets app's own kinds (tickets.notification_kinds declares them; other apps register more)."""

        ASSIGNED = notification_kinds.ASSIGNED.key
        MENTION = notification_kinds.MENTION.key
        CUSTOMER_REPLY = notification_kinds.CUSTOMER_REPLY.key
        REOPENED = notification_kinds.REOPENED.key

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # A registered notification kind's key; no choices, so registering a kind needs no migration.
    kind = models.CharField(max_length=20)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    # Who caused it (empty for a customer or an automation); never the recipient themselves.
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "recipient", "created_at", "id"], name="notification_recipient"),
            models.Index(
                fields=["tenant", "recipient", "id"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
        ]

    @property
    def kind_label(self) -> str:
        # A row of a kind whose app is gone still lists, under its key.
        try:
            return notification_kinds.get(self.kind).badge
        except notification_kinds.UnknownNotificationKind:
            return self.kind


class NotificationSetting(TenantModel):
    """Which notifications an agent also gets by email (in-app ones always show).

    `email` maps a notification kind's key to whether it is mailed; a kind missing from it follows the kind's
    declared default, so a newly registered kind needs no migration and no backfill.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    email = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "membership"], name="notificationsetting_member")]

    def wants_email(self, kind: str) -> bool:
        """Whether this kind is mailed (UnknownNotificationKind for a kind nobody registered)."""
        declared = notification_kinds.get(kind)
        value = (self.email or {}).get(declared.key)
        return declared.email_default if not isinstance(value, bool) else value
