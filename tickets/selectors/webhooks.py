"""Reads for the webhook admin pages: each list is one query whatever its length."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from tickets.models import Webhook, WebhookDelivery


def list_webhooks() -> QuerySet[Webhook]:
    """The tenant's webhooks with the status and time of each one's latest delivery."""
    latest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-id")
    return Webhook.objects.annotate(
        last_status=Subquery(latest.values("status")[:1]),
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
    ).order_by("url", "id")


def get_webhook(pk: int) -> Webhook:
    """A webhook of the tenant in scope (another tenant's does not exist here: DoesNotExist)."""
    return Webhook.objects.get(pk=pk)


def list_deliveries(webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first (on the tenant, webhook, created_at index)."""
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")
