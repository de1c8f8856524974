"""SLA: business-hours calendars, policies (versioned), the targets each ticket runs against, and their clock log.

The ticket's own due columns (first_response_due_at, next_update_due_at, resolution_due_at, next_due_at) are
written from the running targets through tickets.services.deadlines, so the queue pages sort on their indexes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantModel
from tickets.models import Queue, Ticket

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def always_hours() -> list:
    return [[[0, 1440]] for _ in range(7)]


class Calendar(TenantModel):
    """Opening hours in one time zone: per weekday a list of [start, end) minutes after local midnight (split
    shifts are several intervals; a closed day none), plus public holidays of a country (and region) from the
    `holidays` package and the tenant's own dates. `version` goes up on every edit: compiled copies are cached
    per version (sla.business_time.compiled)."""

    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, default="UTC")
    hours = models.JSONField(default=always_hours)
    holiday_country = models.CharField(max_length=3, blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="sla_calendar_tenant_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarHoliday(TenantModel):
    """A day the calendar is closed: once, or every year on the same month and day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays", db_index=False)
    day = models.DateField()
    name = models.CharField(max_length=100, blank=True)
    recurring = models.BooleanField(default=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "calendar", "day"], name="sla_holiday_once_per_day"),
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_UPDATE = "next_update", "Next update"
    RESOLUTION = "resolution", "Resolution"


class SlaPolicy(TenantModel):
    """Targets per priority, applied to the tickets its conditions match (the first matching policy in
    `position` order; the default when none does).

    `conditions`: {"tiers": [...], "organisations": [ids], "categories": [ids], "channels": [...],
    "queues": [ids]}: each non-empty list must contain the ticket's value (an empty list matches anything).
    `targets`: {"<priority>": {"<kind>": {"seconds": n, "business": bool}}}, a missing target means none.
    Every edit bumps `version` and stores a PolicyVersion: tickets keep the version they started with."""

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies", db_index=False)
    conditions = models.JSONField(default=dict, blank=True)
    targets = models.JSONField(default=dict, blank=True)
    warn_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    warn_minutes_before = models.PositiveIntegerField(null=True, blank=True)
    pause_on_hold = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="sla_policy_tenant_name"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_default=True), name="sla_policy_one_default"),
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PolicyVersion(TenantModel):
    """The terms of one version of a policy, never changed: what the targets of its tickets were computed from."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="versions", db_index=False)
    version = models.PositiveIntegerField()
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+", db_index=False)
    targets = models.JSONField(default=dict)
    warn_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    warn_minutes_before = models.PositiveIntegerField(null=True, blank=True)
    pause_on_hold = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "policy", "version"], name="sla_policyversion_once"),
        ]


class SlaTarget(TenantModel):
    """One target a ticket runs against (at most one per kind; next update restarts after each customer message).

    A running target's due is `run_started_at` plus the goal minus `used_seconds` (open time used before the
    run started), in business time when `business`; paused, it keeps `remaining_seconds` and has no due."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        MET = "met", "Met"
        BREACHED = "breached", "Breached"
        CANCELLED = "cancelled", "Cancelled"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+", db_index=False)
    policy_version = models.PositiveIntegerField()
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+", db_index=False)
    business = models.BooleanField(default=True)
    goal_seconds = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices)
    started_at = models.DateTimeField()
    run_started_at = models.DateTimeField()
    used_seconds = models.FloatField(default=0)
    remaining_seconds = models.FloatField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    # Open time from start to met, so reports never recompute business time.
    seconds_to_met = models.PositiveIntegerField(null=True, blank=True)
    # The next moment this target needs a look (its warning, then its due, then the ladder's steps after the
    # breach): what the sweep reads. The engine sets it from the clock, skipping what the sweep has recorded.
    next_check_at = models.DateTimeField(null=True, blank=True)
    # What the sweep recorded for this run of the target (its `started_at`), with the true times (the warn-at and
    # due, not when the sweep ran); a new run (next update after another customer message) starts empty.
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # Moments up to this one passed in replayed history (an import, the demo): recorded, never notified or escalated.
    history_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "kind"], name="sla_target_one_per_kind"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "next_check_at"], name="sla_target_next_check", condition=Q(state="running")
            ),
            models.Index(fields=["tenant", "policy", "state"], name="sla_target_policy_state"),
        ]

    @property
    def kind_label(self) -> str:
        return TargetKind(self.kind).label


class ClockEvent(TenantModel):
    """One line of a ticket's clock log: why a deadline is what it is. Derived from the ticket's events (and
    re-derived when a late entry changes the history), or from a policy re-applied by an admin."""

    class Action(models.TextChoices):
        STARTED = "started", "started"
        PAUSED = "paused", "paused"
        RESUMED = "resumed", "resumed"
        DUE_CHANGED = "due_changed", "due changed"
        MET = "met", "met"
        BREACHED = "breached", "met late"
        CANCELLED = "cancelled", "cancelled"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    # The audit event this line follows from (null: a policy re-applied by an admin).
    source_event_id = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "ticket", "at", "position"], name="sla_clockevent_ticket")]
        ordering = ["at", "position", "id"]

    @property
    def kind_label(self) -> str:
        return TargetKind(self.target_kind).label


class ReapplyJob(TenantModel):
    """An admin's "re-apply this policy to open tickets": run in the background in batches, progress kept here."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The last target id written: a resumed run goes on after it.
    last_target_id = models.BigIntegerField(default=0)
    requested_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "policy", "-created_at"], name="sla_reapplyjob_policy")]


# ---- enforcement (issue 16): warnings and breaches the sweep recorded, the escalation ladder and its runs ----


class SlaAlert(TenantModel):
    """A warning or a breach of one run of a target, recorded once (the unique constraint) at its true time."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    target = models.ForeignKey(SlaTarget, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The run of the target this belongs to (the target's started_at then).
    run_started_at = models.DateTimeField()
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    # False for replayed history: recorded, nobody told.
    notified = models.BooleanField(default=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "target", "kind", "run_started_at"], name="sla_alert_once_per_run"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "ticket"], name="sla_alert_ticket"),
            models.Index(fields=["tenant", "kind", "at"], name="sla_alert_kind_at"),
        ]


class LadderStep(TenantModel):
    """One step of a policy's escalation ladder for one target kind: at the warning, at the breach, or N hours
    after the breach, do any of notify people or teams, raise the priority, move to a queue, reassign, raise
    the escalation tier. A step only ever raises (a priority or tier already as high stays), so it cannot undo
    what a person did, and it runs once per run of a target (LadderRun)."""

    class Trigger(models.TextChoices):
        WARNING = "warning", "At the warning"
        BREACH = "breach", "At the breach"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="ladder_steps", db_index=False)
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    after_hours = models.PositiveSmallIntegerField(default=0)
    notify_members = models.JSONField(default=list, blank=True)  # membership ids
    notify_teams = models.JSONField(default=list, blank=True)  # team ids
    raise_priority_to = models.PositiveSmallIntegerField(null=True, blank=True)
    move_to_queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reassign_to = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    raise_tier_to = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "policy", "target_kind", "trigger", "after_hours"], name="sla_ladderstep_once"
            ),
        ]
        ordering = ["policy_id", "target_kind", "-trigger", "after_hours", "id"]

    @property
    def kind_label(self) -> str:
        return TargetKind(self.target_kind).label

    @property
    def moment_label(self) -> str:
        if self.trigger == self.Trigger.WARNING:
            return "At the warning"
        return f"{self.after_hours} h after the breach" if self.after_hours else "At the breach"


class LadderRun(TenantModel):
    """A ladder step that ran for one run of one target: at most once (the unique constraint), with its outcome."""

    step = models.ForeignKey(LadderStep, on_delete=models.CASCADE, related_name="+", db_index=False)
    target = models.ForeignKey(SlaTarget, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    run_started_at = models.DateTimeField()
    # The step's moment (the true warning or breach time, plus its hours), not when the sweep got to it.
    due_at = models.DateTimeField()
    ran_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "target", "step", "run_started_at"], name="sla_ladderrun_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "ticket"], name="sla_ladderrun_ticket")]


# ---- auto-resolve and auto-close (issue 16 item 4: sla.automation) ----


class AutomationSettings(TenantModel):
    """The tenant's auto-resolve and auto-close rules (one row; none yet means the defaults).

    `resolve_after_days`: a pending ticket with no customer reply for this many days is resolved (None: off).
    `close_after_days`: a resolved ticket is closed this many days after its resolution (None: once the
    tenant's reopen window has passed); never less than the reopen window, so closing never takes away a
    customer's right to reopen (validated on save and enforced again when the job runs)."""

    resolve_after_days = models.PositiveSmallIntegerField(null=True, blank=True, default=7)
    close_enabled = models.BooleanField(default=True)
    close_after_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The public message sent on auto-resolve; blank: sla.automation.messages.DEFAULT_RESOLVE_MESSAGE.
    resolve_message = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant"], name="sla_automationsettings_one")]


class StatusClock(TenantModel):
    """Since when a ticket has been pending or resolved: the candidate index of the auto-resolve and auto-close
    job (a set-based scan on (tenant, status, since) instead of every ticket). Kept by the change-feed
    subscriber sla.automation.feed (and by the job for the tickets it changes); a row may lag the ticket, so
    the job re-checks the ticket itself under its row lock before acting."""

    class Watched(models.TextChoices):
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=10, choices=Watched.choices)
    since = models.DateTimeField()
    # A ticket the job could not resolve (fields required at resolution are empty) waits until then.
    retry_after = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket"], name="sla_statusclock_one_per_ticket")]
        indexes = [models.Index(fields=["tenant", "status", "since"], name="sla_statusclock_due")]
