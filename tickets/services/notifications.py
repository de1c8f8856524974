"""Notifications to agents: written in the transaction of the change that caused them, mailed through the outbox.

Four events notify: a ticket assigned to someone (not a claim, which is one's own doing), an @mention in an
internal note, a customer's reply on the assignee's ticket, and a reopened ticket. Nobody is ever notified of
their own action. The in-app notification always shows; the email follows the recipient's NotificationSetting
(each kind's declared default where they saved no choice). The kinds are declared in tickets.notification_kinds.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F

from tenancy import times
from tenancy.db.lookups import AnyOf
from tenancy.models import Membership
from tenancy.outbox import on_commit_task
from tickets import clock, notification_kinds
from tickets.mentions import find_mentions
from tickets.models import Message, Notification, NotificationSetting, Ticket
from tickets.selectors import visible_tickets
from tickets.services.events import Actor

logger = logging.getLogger(__name__)

Kind = Notification.Kind
EMAIL_TASK = "tickets.send_notification_email"
EMAILS_TASK = "tickets.send_notification_emails"  # a batch's mails: one task run and one outbox row for all
# How long the "already mailed" marker lives; far beyond any retry or redelivery of the outbox.
EMAIL_SENT_TTL = 60 * 60 * 24 * 30


def notify(*, kind: str, ticket: Ticket, recipients: Iterable[Membership | None], actor: Actor) -> list[Notification]:
    """Write one notification per recipient (never the actor; only active staff) and record the mails to send.

    Call it inside the transaction of the change, so the notification exists exactly when the change does.
    Replayed history (an import) notifies nobody. An unregistered kind raises UnknownNotificationKind, even then.
    """
    notification_kinds.get(kind)
    if clock.is_replaying():
        return []
    actor_membership = actor if isinstance(actor, Membership) else None
    targets = _targets(ticket, recipients, actor_membership)
    if not targets:
        return []
    now = clock.now()
    notifications = [
        Notification.objects.create(recipient=member, kind=kind, ticket=ticket, actor=actor_membership, created_at=now)
        for member in targets.values()
    ]
    muted = _email_muted(kind, list(targets))
    for notification in notifications:
        if notification.recipient_id not in muted:
            on_commit_task(EMAIL_TASK, notification_id=notification.pk)
    return notifications


def notify_each(*, kind: str, recipients: list[tuple[Ticket, Membership]], actor: Actor) -> list[Notification]:
    """`notify` for many tickets, one recipient each (a batch of assignments): the same notifications and mails,
    written in one statement, the mail settings read in one, the mails recorded in one."""
    notification_kinds.get(kind)
    if clock.is_replaying():
        return []
    actor_membership = actor if isinstance(actor, Membership) else None
    now = clock.now()
    notifications = [
        Notification(
            tenant_id=ticket.tenant_id,
            recipient=member,
            kind=kind,
            ticket=ticket,
            actor=actor_membership,
            created_at=now,
        )
        for ticket, recipient in recipients
        for member in _targets(ticket, [recipient], actor_membership).values()
    ]
    if not notifications:
        return []
    Notification.objects.bulk_create(notifications)
    muted = _email_muted(kind, sorted({notification.recipient_id for notification in notifications}))
    mailed = [notification.pk for notification in notifications if notification.recipient_id not in muted]
    if len(mailed) == 1:
        on_commit_task(EMAIL_TASK, notification_id=mailed[0])
    elif mailed:
        # One task for the batch: a routing worker spent a fifth of its time on a task run per mail (its message,
        # the reads, and marking its outbox row done in a transaction of its own).
        on_commit_task(EMAILS_TASK, notification_ids=mailed)
    return notifications


def _targets(ticket: Ticket, recipients: Iterable[Membership | None], actor: Membership | None) -> dict:
    """Who of `recipients` is told: active staff of the ticket's tenant, never the actor, each once."""
    targets: dict[int, Membership] = {}
    for member in recipients:
        if member is None or not member.is_staff_member or member.tenant_id != ticket.tenant_id:
            continue
        if actor is not None and member.pk == actor.pk:
            continue
        targets.setdefault(member.pk, member)
    return targets


def _email_muted(kind: str, member_ids: list[int]) -> set[int]:
    # Decided in Python, not by a JSON lookup: a member without a row follows the kind's default, which may be off.
    preferences = _preferences_of(member_ids)
    return {member_id for member_id in member_ids if not preferences[member_id].wants_email(kind)}


def _preferences_of(member_ids: Iterable[int]) -> dict[int, NotificationSetting]:
    """Each member's notification settings in one query; an unsaved default for a member without a row."""
    member_ids = list(member_ids)
    found = {row.membership_id: row for row in NotificationSetting.objects.filter(membership_id__in=member_ids)}
    return {member_id: found.get(member_id) or NotificationSetting(membership_id=member_id) for member_id in member_ids}


# --- The events (one call from each service that causes one) ----------------------------------------------------


def notify_assigned(*, ticket: Ticket, assignee: Membership, actor: Actor) -> list[Notification]:
    return notify(kind=Kind.ASSIGNED, ticket=ticket, recipients=[assignee], actor=actor)


def notify_mentions(*, ticket: Ticket, message: Message, actor: Actor) -> list[Notification]:
    return notify(kind=Kind.MENTION, ticket=ticket, recipients=find_mentions(message.body_text), actor=actor)


def notify_customer_reply(*, ticket: Ticket, actor: Actor, reopened: bool = False) -> list[Notification]:
    """A reply that brought a resolved ticket back is announced as a reopen, any other as a reply."""
    kind = Kind.REOPENED if reopened else Kind.CUSTOMER_REPLY
    return notify(kind=kind, ticket=ticket, recipients=[_assignee(ticket)], actor=actor)


def notify_reopened(*, ticket: Ticket, actor: Actor) -> list[Notification]:
    return notify(kind=Kind.REOPENED, ticket=ticket, recipients=[_assignee(ticket)], actor=actor)


def _assignee(ticket: Ticket) -> Membership | None:
    if ticket.assignee_id is None:
        return None
    return Membership.objects.select_related("user").get(pk=ticket.assignee_id)


def mark_read(*, notification_id: int, recipient: Membership) -> Notification:
    """Mark one of the recipient's notifications read (another member's is DoesNotExist, shown as a 404)."""
    notification = Notification.objects.select_related("ticket").get(pk=notification_id, recipient=recipient)
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, recipient: Membership) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(read_at=clock.now())


def update_preferences(*, membership: Membership, email: Mapping[str, bool]) -> NotificationSetting:
    """Store which kinds the member also gets by email, keyed by kind (kinds not named keep their choice).

    Every key must be a registered kind (UnknownNotificationKind otherwise), so nothing unreadable is stored.
    """
    for key, value in email.items():
        notification_kinds.get(key)
        if not isinstance(value, bool):
            raise TypeError(f"The email preference for {key!r} must be True or False, not {value!r}.")
    with transaction.atomic():
        NotificationSetting.objects.get_or_create(membership=membership)
        # Locked, so two saves at once merge instead of one dropping the other's kinds.
        setting = NotificationSetting.objects.select_for_update().get(membership=membership)
        setting.email = {**(setting.email or {}), **email}
        setting.save(update_fields=["email"])
    return setting


def get_preferences(*, membership: Membership) -> NotificationSetting:
    return NotificationSetting.objects.filter(membership=membership).first() or NotificationSetting(
        membership=membership
    )


# --- Email -------------------------------------------------------------------------------------------------------


def send_notification_email(*, notification_id: int) -> bool:
    """Mail one notification to its recipient, at most once; return whether a mail went out now."""
    return send_notification_emails(notification_ids=[notification_id]) == 1


def send_notification_emails(*, notification_ids: list[int]) -> int:
    """Mail these notifications to their recipients, each at most once, over one mail connection; return how many
    went out now.

    The outbox may deliver the task twice (a retry, a redelivery after a crash). An atomic cache `add` marks a
    notification as mailed before sending and is undone if sending fails, so a duplicate run sends nothing again;
    a failure raises, and the retry skips the mails that went out before it.
    """
    # The reads in one transaction and a few statements for the whole batch: a statement outside a transaction is
    # one of its own under the tenant's scope (BEGIN, the setting, the statement, COMMIT), and a routing batch
    # mails one agent per ticket.
    with transaction.atomic():
        mails = [(notification, *_compose(notification)) for notification in _mailable(notification_ids)]
    if not mails:
        return 0
    sent = 0
    with get_connection() as connection:
        for notification, subject, body in mails:
            key = f"notification-emailed:{notification.pk}"
            if not cache.add(key, 1, timeout=EMAIL_SENT_TTL):
                continue
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.user.email],
                          connection=connection)  # fmt: skip
            except Exception:
                cache.delete(key)
                raise
            sent += 1
    return sent


def _mailable(notification_ids: list[int]) -> list[Notification]:
    """Of these notifications, in id order, those whose recipient may and wants to get them by mail."""
    found = (
        Notification.objects.select_related("recipient__user", "recipient__tenant", "actor__user", "ticket", "tenant")
        .filter(AnyOf(F("pk"), sorted(set(notification_ids))))
        .order_by("pk")
    )
    candidates = [
        n for n in found if n.recipient.is_staff_member and n.recipient.user.is_active and n.recipient.user.email
    ]
    # A mail that may not name the ticket or link to it has nothing to act on; the desk's list shows the
    # notification without them.
    tickets_of: dict[int, list[int]] = defaultdict(list)
    for notification in candidates:
        tickets_of[notification.recipient_id].append(notification.ticket_id)
    recipients = {notification.recipient_id: notification.recipient for notification in candidates}
    visible = {
        (member_id, ticket_id)
        for member_id, ticket_ids in tickets_of.items()
        for ticket_id in visible_tickets(recipients[member_id]).filter(pk__in=ticket_ids).values_list("pk", flat=True)
    }
    preferences = _preferences_of(recipients)
    mailable = []
    for notification in candidates:
        if (notification.recipient_id, notification.ticket_id) not in visible:
            continue
        try:
            wanted = preferences[notification.recipient_id].wants_email(notification.kind)
        except notification_kinds.UnknownNotificationKind:
            # Queued before its app was removed: the bell still shows it, there is no mail to compose.
            logger.warning("Not mailing notification %s of unregistered kind %r", notification.pk, notification.kind)
            continue
        if wanted:
            mailable.append(notification)
    return mailable


def _compose(notification: Notification) -> tuple[str, str]:
    ticket, tenant = notification.ticket, notification.tenant
    ref = tenant.format_ticket_number(ticket.number)
    kind = notification_kinds.get(notification.kind)
    if notification.actor is not None:
        headline = kind.subject.format(actor=notification.actor.display_name, ref=ref)
    else:
        headline = kind.subject_without_actor.format(ref=ref)
    # Subjects are one line: a subject typed by a customer must not smuggle a header break into the mail.
    subject = " ".join(f"[{tenant.brand_name}] {headline}: {ticket.subject}".split())[:200]
    link = tenant.url_for("desk:ticket", number=ticket.number)
    preferences = tenant.url_for("desk:notification_settings")
    # The recipient's zone (their own, else the help desk's), with its abbreviation: the mail may be read anywhere.
    when = times.exact_label(notification.created_at, times.zone_for(user=notification.recipient.user, tenant=tenant))
    body = (
        f"{headline} on {when}.\n\n"
        f"{ref}: {ticket.subject}\n"
        f"{link}\n\n"
        f"-- \n"
        f"You get this mail from {tenant.brand_name} because of your notification settings:\n"
        f"{preferences}\n"
    )
    return subject, body
