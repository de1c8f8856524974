"""Who hears of an SLA warning, breach or escalation step, and the notifications written for a whole sweep batch.

Recipients: the ticket's assignee and the supervisors of its queue (the supervisors who are members of the
queue's team; every supervisor when the queue has no team); a ladder step names more people or teams. Only
active staff, each once per ticket and kind. The in-app notification always shows; the mail follows each member's
preference for the kind (tickets.notification_kinds, keyed by kind), sent through the outbox in one task per
batch, so a sweep of thousands of tickets records one outbox row, not one per mail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from celery import shared_task

from tenancy.context import require_tenant_id
from tenancy.models import Membership
from tenancy.outbox import on_commit_task
from tenancy.roles import STAFF_ROLES, Role
from tenancy.tasks import TenantTask
from tickets import notification_kinds
from tickets.models import Notification, NotificationSetting, Queue, TeamMembership
from tickets.services.notifications import send_notification_emails

MAIL_TASK = "sla.send_alert_mails"

WARNING = notification_kinds.register(
    notification_kinds.NotificationKind(
        key="sla_warning",
        label="A ticket of mine or my queue is about to miss its SLA",
        help_text="When its warning time passes (assignees and the queue's supervisors).",
        badge="SLA at risk",
        subject="{ref} is at risk of missing its SLA",
        subject_without_actor="{ref} is at risk of missing its SLA",
    )
)
BREACH = notification_kinds.register(
    notification_kinds.NotificationKind(
        key="sla_breach",
        label="A ticket of mine or my queue missed its SLA",
        help_text="When a deadline passes unmet (assignees and the queue's supervisors).",
        badge="SLA breached",
        subject="{ref} breached its SLA",
        subject_without_actor="{ref} breached its SLA",
    )
)
ESCALATION = notification_kinds.register(
    notification_kinds.NotificationKind(
        key="sla_escalation",
        label="An SLA escalation step names me or my team",
        help_text="Steps of an SLA policy's escalation ladder that notify people or teams.",
        badge="SLA escalation",
        subject="{ref} was escalated by its SLA",
        subject_without_actor="{ref} was escalated by its SLA",
    )
)


@dataclass
class Audience:
    """The tenant's staff as the sweep needs them, loaded once per sweep (three queries)."""

    staff: set[int]
    supervisors: set[int]
    queue_team: dict[int, int | None]
    team_members: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Audience:
        rows = Membership.objects.filter(is_active=True, role__in=STAFF_ROLES).values_list("pk", "role")
        staff, supervisors = set(), set()
        for pk, role in rows:
            staff.add(pk)
            if role == Role.SUPERVISOR:
                supervisors.add(pk)
        team_members: dict[int, set[int]] = defaultdict(set)
        for team_id, member_id in TeamMembership.objects.values_list("team_id", "membership_id"):
            if member_id in staff:
                team_members[team_id].add(member_id)
        queue_team = dict(Queue.objects.values_list("pk", "team_id"))
        return cls(staff=staff, supervisors=supervisors, queue_team=queue_team, team_members=dict(team_members))

    def for_ticket(self, *, assignee_id: int | None, queue_id: int | None) -> set[int]:
        """The assignee and the queue's supervisors."""
        team_id = self.queue_team.get(queue_id)
        watchers = self.supervisors & self.team_members.get(team_id, set()) if team_id else set(self.supervisors)
        if assignee_id in self.staff:
            watchers = watchers | {assignee_id}
        return watchers

    def named(self, *, members: Iterable[int], teams: Iterable[int]) -> set[int]:
        """A ladder step's people and teams (active staff only; a member or team gone since is skipped)."""
        chosen = {pk for pk in members if pk in self.staff}
        for team_id in teams:
            chosen |= self.team_members.get(team_id, set())
        return chosen


def notify_many(wanted: list[tuple[str, int, set[int]]], *, at: datetime) -> list[Notification]:
    """Write the notifications [(kind, ticket id, member ids)] in one INSERT and record their mails in one outbox
    row (each recipient's preference per kind decides). Call it in the transaction that recorded the alerts."""
    tenant_id = require_tenant_id()  # bulk_create does not fill it in as save() does
    rows = [
        Notification(tenant_id=tenant_id, recipient_id=member_id, kind=kind, ticket_id=ticket_id, created_at=at)
        for kind, ticket_id, members in wanted
        for member_id in sorted(members)
    ]
    if not rows:
        return []
    for kind in {kind for kind, _ticket, _members in wanted}:
        notification_kinds.get(kind)
    Notification.objects.bulk_create(rows, batch_size=1000)
    settings_by_member = {
        row.membership_id: row
        for row in NotificationSetting.objects.filter(membership_id__in={row.recipient_id for row in rows})
    }
    mailed = [
        row.pk for row in rows if settings_by_member.get(row.recipient_id, NotificationSetting()).wants_email(row.kind)
    ]
    if mailed:
        on_commit_task(MAIL_TASK, notification_ids=mailed)
    return rows


@shared_task(base=TenantTask, name=MAIL_TASK)
def send_alert_mails_task(*, tenant_id: int, notification_ids: list[int]) -> int:
    """Mail a batch's SLA notifications; each at most once (tickets' mail marker), so a redelivery sends nothing."""
    return send_notification_emails(notification_ids=notification_ids)
