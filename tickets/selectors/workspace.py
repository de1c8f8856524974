"""Reads for the agent workspace: notifications and the canned responses an agent may use."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery

from tenancy.models import Membership
from tickets.models import CannedResponse, Notification
from tickets.selectors import can_open


def count_unread(recipient: Membership) -> int:
    """The bell's number: one count on the partial "unread" index."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def list_notifications(recipient: Membership, *, before_id: int | None = None, limit: int = 30) -> list[Notification]:
    """The recipient's latest notifications, newest first, with what the list shows, in one query. Each says
    whether the recipient may open its ticket now (`may_open`): one they may not (moved to another team's
    queue, or never theirs to see) is shown without its reference, subject or link."""
    rows = (
        Notification.objects.filter(recipient=recipient)
        .select_related("ticket", "actor__user")
        .annotate(may_open=can_open(recipient, "ticket_id"))
    )
    if before_id is not None:
        # Keyset on the (created_at, id) index: a page further back costs what the first one does.
        at = Subquery(Notification.objects.filter(pk=before_id, recipient=recipient).values("created_at")[:1])
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=before_id))
    return list(
        rows.only(
            "id", "tenant_id", "kind", "created_at", "read_at", "recipient_id",
            "ticket__id", "ticket__tenant_id", "ticket__number", "ticket__subject", "ticket__status",
            "actor__id", "actor__tenant_id", "actor__user__id", "actor__user__full_name", "actor__user__email",
        ).order_by("-created_at", "-id")[:limit]
    )  # fmt: skip


def usable_canned_responses(member: Membership, query: str = "") -> QuerySet[CannedResponse]:
    """The responses `member` may use (shared and their own), optionally matching `query`, by folder and title."""
    responses = CannedResponse.objects.filter(Q(owner=None) | Q(owner=member))
    for word in query.split()[:5]:
        responses = responses.filter(Q(title__icontains=word) | Q(folder__icontains=word) | Q(body__icontains=word))
    return responses.order_by("folder", "title", "id")
