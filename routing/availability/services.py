"""Availability changes and the rules that make them: sign-in, idle, offline too long."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from routing.assignment.services import (
    AGENT_ONLINE,
    OFFLINE_RETURN,
    publish_assign_waiting,
    return_to_queue,
)
from routing.models import AvailabilityChange
from tenancy import services as tenancy_services
from tenancy.actors import Automation
from tenancy.context import current_scope
from tenancy.errors import ServiceError
from tenancy.models import Membership, Tenant
from tenancy.roles import STAFF_ROLES
from tickets import clock
from tickets.models import Ticket

AVAILABILITY = Automation("routing availability")
SIGN_IN = "sign_in"
IDLE = "idle"
BACK = "back"  # active again after the idle rule made them away

logger = logging.getLogger(__name__)


def availability_changed(membership: Membership, *, old: str, actor, reason: str = "") -> None:
    """Record a change (tenancy's set_availability calls this in its transaction) and, when the member came
    online, have waiting tickets assigned once it commits (the `routing.assign_waiting` outbox task)."""
    AvailabilityChange.objects.create(
        membership=membership,
        old=old,
        new=membership.availability,
        actor_membership=actor if isinstance(actor, Membership) else None,
        actor_automation=actor.name if isinstance(actor, Automation) else "",
        reason=reason[:20],
    )
    if membership.availability == Membership.Availability.ONLINE:
        publish_assign_waiting(trigger=AGENT_ONLINE)


def set_availability(*, membership: Membership, availability: str, actor, reason: str = "") -> Membership:
    """Switch a member's availability (the one path; see tenancy.services.set_availability for who may)."""
    return tenancy_services.set_availability(
        membership=membership, availability=availability, actor=actor, reason=reason
    )


def go_online_on_sign_in(sender, *, request, user, **kwargs) -> None:
    """user_logged_in receiver: a staff member signing in to a help desk becomes available there."""
    if not isinstance(current_scope(), int):
        return  # the platform host: no help desk to be available in
    membership = Membership.objects.filter(user=user, is_active=True, role__in=STAFF_ROLES).first()
    if membership is None or membership.availability == Membership.Availability.ONLINE:
        return
    try:
        set_availability(
            membership=membership, availability=Membership.Availability.ONLINE, actor=membership, reason=SIGN_IN
        )
    except (ServiceError, ValidationError):
        logger.exception("Could not mark member %s online on sign-in", membership.pk)


def note_activity(*, membership_id: int, now: datetime | None = None) -> None:
    """Record that a member used the desk; one the idle rule made away is online again."""
    now = now or clock.now()
    with transaction.atomic():
        Membership.objects.filter(pk=membership_id).update(last_active_at=now)
        membership = Membership.objects.filter(
            pk=membership_id, is_active=True, availability=Membership.Availability.AWAY
        ).first()
        if membership is None:
            return
        last = AvailabilityChange.objects.filter(membership=membership).order_by("-created_at", "-id").first()
        if last is not None and last.reason == IDLE:
            set_availability(
                membership=membership, availability=Membership.Availability.ONLINE, actor=AVAILABILITY, reason=BACK
            )


def mark_idle_away(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Mark online members idle longer than the tenant's `away_after_idle_minutes` away; return how many.

    Idle: no desk request (routing.availability.middleware) and no availability change for that long."""
    minutes = tenant.away_after_idle_minutes
    if not minutes:
        return 0
    cutoff = (now or clock.now()) - timedelta(minutes=minutes)
    idle = Membership.objects.filter(
        Q(last_active_at__isnull=True) | Q(last_active_at__lt=cutoff),
        is_active=True,
        role__in=STAFF_ROLES,
        availability=Membership.Availability.ONLINE,
        availability_changed_at__lt=cutoff,
    ).select_related("user", "tenant")
    count = 0
    for membership in idle:
        set_availability(
            membership=membership, availability=Membership.Availability.AWAY, actor=AVAILABILITY, reason=IDLE
        )
        count += 1
    return count


def return_offline_work(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Return the open tickets of members offline longer than the tenant's `return_after_offline_minutes` to
    their queues (each recorded as a decision), then have them assigned to whoever is available; return how many."""
    minutes = tenant.return_after_offline_minutes
    if not minutes:
        return 0
    cutoff = (now or clock.now()) - timedelta(minutes=minutes)
    gone = Membership.objects.filter(
        availability=Membership.Availability.OFFLINE, availability_changed_at__lt=cutoff
    ).values("pk")
    tickets = list(Ticket.objects.open().filter(assignee__in=gone).order_by("pk"))
    returned = 0
    for ticket in tickets:
        if return_to_queue(ticket=ticket, offline_minutes=minutes) is not None:
            returned += 1
    if returned:
        with transaction.atomic():
            publish_assign_waiting(trigger=OFFLINE_RETURN)
    return returned
