"""Assignment's tables: why each ticket went to whom, whose turn it is in a round-robin queue, and when agents
came and went."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantModel


class AssignmentDecision(TenantModel):
    """One decision of an assignment strategy (or of the offline-return rule) about one ticket.

    `candidates` keeps, per member considered, what the page needs to say why: [{"id", "capacity", "load" (when
    counted), "skipped" (when passed over: "offline" | "away" | "at_capacity" | "lacks_skill" | "cannot_see"),
    "load_capped" (when counting stopped)}], in the order the strategy looked at them. Members are kept by id and
    named when the page shows the decision (routing.assignment.reasons), as the audit events are; rows written
    before 2026-12-07 also carry a "name", which the page uses for a member no longer on file. Append-only, like
    the ticket's events.
    """

    class Outcome(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        WAITING = "waiting", "Waiting: nobody fits"
        RETURNED = "returned", "Returned to the queue"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey("tickets.Queue", null=True, on_delete=models.SET_NULL, related_name="+")
    strategy = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    chosen = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    candidates = models.JSONField(default=list, blank=True)
    # What else the words need: {"skills": [names required]}, {"after_id": member id} (round robin's previous turn;
    # {"after": name} in rows written before 2026-12-07),
    # {"offline_minutes": n} (offline return), {"more": {"eligible": n, <skip code>: n}} (the members past the
    # ones `candidates` keeps: routing.assignment.candidates.decision_rows).
    details = models.JSONField(default=dict, blank=True)
    # What caused the decision: the change-feed entry routed and the rule engine's decision row (ids only, so the
    # two halves of routing stay independent), or a code ("agent_online", "capacity_freed", "offline_return").
    entry_id = models.BigIntegerField(null=True, blank=True)
    rule_decision_id = models.BigIntegerField(null=True, blank=True)
    trigger = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "ticket", "created_at"], name="routing_assigndec_ticket"),
            # Which of a drain batch's entries were decided already (routing.batch): without it every batch read
            # the whole table, 12 ms a batch at 40,000 decisions and growing with it.
            models.Index(
                fields=["tenant", "entry_id"], name="routing_assigndec_entry", condition=Q(entry_id__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.strategy} {self.outcome}"


class RoundRobinTurn(TenantModel):
    """Whose turn it is in one round-robin queue: the member picked last. Locked (SELECT ... FOR UPDATE) by every
    round-robin pick in the queue, so concurrent workers take turns one after another and no turn is lost."""

    queue = models.ForeignKey("tickets.Queue", on_delete=models.CASCADE, related_name="+")
    last_member = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "queue"], name="routing_rrturn_queue")]

    def __str__(self) -> str:
        return f"{self.queue_id}: after {self.last_member_id}"


class AvailabilityChange(TenantModel):
    """A member went online, away or offline: who switched it and why ("sign_in", "idle", or by hand)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    old = models.CharField(max_length=8, choices=Membership.Availability.choices)
    new = models.CharField(max_length=8, choices=Membership.Availability.choices)
    actor_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_automation = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "membership", "created_at"], name="routing_availchg_member")]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.old} -> {self.new}"
