"""Scheduled reports: subscribing, claiming each week once, and mailing the summary through the outbox."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from reporting.reports.models import ReportSubscription
from reporting.reports.summary import last_complete_week, weekly_summary
from reporting.reports.tasks import SEND_TASK
from tenancy.errors import ServiceError
from tenancy.models import Membership, Tenant
from tenancy.outbox import on_commit_task
from tenancy.roles import Role
from tickets import clock

logger = logging.getLogger(__name__)

SENT_TTL = 14 * 24 * 3600
WEEKLY = ReportSubscription.Kind.WEEKLY_SUMMARY


def subscribe(*, membership: Membership) -> ReportSubscription:
    """Subscribe a supervisor or admin to the weekly summary; the first mail covers the week now running."""
    if not membership.is_active or not membership.has_role(Role.SUPERVISOR):
        raise ServiceError("Only supervisors and admins can subscribe to the weekly summary.")
    with transaction.atomic():
        subscription, _ = ReportSubscription.objects.get_or_create(
            membership=membership,
            kind=WEEKLY,
            defaults={"last_period_start": last_complete_week(membership.tenant, clock.now())},
        )
    return subscription


def unsubscribe(*, membership: Membership) -> int:
    deleted, _ = ReportSubscription.objects.filter(membership=membership, kind=WEEKLY).delete()
    return deleted


def schedule_weekly_summaries(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Claim last week for every subscription of the tenant in scope not yet mailed for it, and record the mail
    in the outbox in the same transaction. Idempotent: a claimed week is never claimed again."""
    now = now or clock.now()
    week = last_complete_week(tenant, now)
    due = ReportSubscription.objects.filter(kind=WEEKLY).filter(
        Q(last_period_start__isnull=True) | Q(last_period_start__lt=week)
    )
    scheduled = 0
    for subscription_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = (
                ReportSubscription.objects.filter(pk=subscription_id)
                .filter(Q(last_period_start__isnull=True) | Q(last_period_start__lt=week))
                .update(last_period_start=week)
            )
            if claimed:
                on_commit_task(SEND_TASK, subscription_id=subscription_id, period_start=week.isoformat())
                scheduled += 1
    return scheduled


def send_weekly_summary(*, subscription_id: int, period_start: str) -> bool:
    """Mail one week's summary to the subscriber, at most once (the outbox may deliver the task twice)."""
    subscription = (
        ReportSubscription.objects.select_related("membership__user", "tenant").filter(pk=subscription_id).first()
    )
    if subscription is None:
        return False
    member = subscription.membership
    if not member.is_active or not member.has_role(Role.SUPERVISOR) or not member.user.email:
        return False
    try:
        first_day = date.fromisoformat(period_start)
    except ValueError:
        logger.warning("Weekly summary %s with a bad period %r", subscription_id, period_start)
        return False
    key = f"weekly-summary-sent:{subscription_id}:{first_day}"
    if not cache.add(key, 1, timeout=SENT_TTL):
        return False
    tenant = subscription.tenant
    summary = weekly_summary(tenant=tenant, first_day=first_day, now=clock.now())
    period = f"{summary.first_day:%a %d %b} - {summary.last_day:%a %d %b %Y}"
    link = tenant.url_for(
        "desk:report", report="volume", query=f"start={summary.first_day}&end={summary.last_day}&interval=day"
    )
    body = "\n".join(
        [
            f"{tenant.brand_name}: the week of {period} ({tenant.timezone}).",
            "",
            *summary.lines(),
            "",
            f"The reports: {link}",
            "",
            f"You get this because you subscribed on {tenant.url_for('desk:reports')}; unsubscribe there.",
        ]
    )
    subject = " ".join(f"[{tenant.brand_name}] Weekly summary, {period}".split())[:200]
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.user.email])
    except Exception:
        cache.delete(key)
        raise
    return True
