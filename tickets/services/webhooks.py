"""Outbound webhooks: tenant admins register URLs for events; each event becomes one WebhookDelivery per
subscribed webhook, written in a transaction and sent by the `tickets.deliver_webhook` task.

A delivery is tried up to MAX_ATTEMPTS times with growing delays between tries (Celery retry countdowns, so a
receiver that is down holds no worker). Each try is claimed first, so two copies of the task (an outbox
redelivery, a broker redelivery) never send it twice at once, and a delivered one is never sent again.

Creating, changing, pausing, resuming, deleting a webhook and rotating its secret are settings services of
"tickets.webhooks" (one audit row each, the secret only as a marker); a test event and a redelivery are
operations and write no audit row.
"""

from __future__ import annotations

import logging
import secrets
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenancy.audit import HIDDEN, REPLACED, record_config_change, settings_service, snapshot
from tenancy.context import require_tenant_id, tenant_context, unscoped
from tenancy.models import ConfigChange, CrossTenantError, Membership, ensure_same_tenant
from tenancy.outbound import OutboundRefused
from tenancy.outbox import on_commit_task
from tenancy.roles import Role
from tickets.event_kinds import webhook_events
from tickets.feed.registry import Change
from tickets.models import Ticket, TicketEvent, Webhook, WebhookDelivery
from tickets.services.events import ServiceError, require_role
from tickets.webhooks.events import EVENTS, PING, change_event_id, change_payload, keyed_event_id, ping_payload
from tickets.webhooks.targets import parse_target
from tickets.webhooks.transport import encode_body, post, signed_headers

logger = logging.getLogger(__name__)

DELIVER_TASK = "tickets.deliver_webhook"
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 60 * 60  # below Redis's visibility timeout, so a waiting retry is not handed out twice
CLAIM_SECONDS = 60  # longer than one try can take (connect 5 s + read 10 s, per address)
MAX_DESCRIPTION = 200
AREA = "tickets.webhooks"
WEBHOOK_FIELDS = ("url", "description", "events", "is_active")

Status = WebhookDelivery.Status


def retry_delay(attempts: int) -> int:
    """Seconds before try number attempts+1: 30 s, 2 min, 8 min, 32 min, then hourly."""
    return min(RETRY_BASE_SECONDS * 4 ** (attempts - 1), RETRY_MAX_SECONDS)


# --- Managing webhooks (tenant admins) ---------------------------------------------------------------------------


@settings_service(AREA)
def create_webhook(*, actor: Membership, url: str, events: Sequence[str], description: str = "") -> Webhook:
    """Register a URL for some events, with a fresh signing secret."""
    _require_admin(actor)
    cleaned = _clean(url=url, events=events, description=description)
    with transaction.atomic():
        webhook = Webhook.objects.create(**cleaned, secret=_new_secret(), created_by=actor)
        _audit(
            actor, ConfigChange.Action.CREATED, webhook, after={**snapshot(webhook, WEBHOOK_FIELDS), "secret": HIDDEN}
        )
    logger.info("Webhook #%s created by membership #%s", webhook.pk, actor.pk)
    return webhook


@settings_service(AREA)
def update_webhook(
    *, webhook: Webhook, actor: Membership, url: str, events: Sequence[str], description: str = ""
) -> Webhook:
    _require_admin(actor, webhook)
    cleaned = _clean(url=url, events=events, description=description)
    with transaction.atomic():
        before = snapshot(webhook, WEBHOOK_FIELDS)
        for field, value in cleaned.items():
            setattr(webhook, field, value)
        webhook.save(update_fields=list(cleaned))
        _audit(actor, ConfigChange.Action.UPDATED, webhook, before=before, after=snapshot(webhook, WEBHOOK_FIELDS))
    return webhook


@settings_service(AREA)
def set_webhook_active(*, webhook: Webhook, actor: Membership, active: bool) -> Webhook:
    """Pause or resume a webhook; deliveries still waiting for a paused one fail instead of being sent."""
    _require_admin(actor, webhook)
    with transaction.atomic():
        before = snapshot(webhook, ["is_active"])
        webhook.is_active = active
        webhook.save(update_fields=["is_active"])
        _audit(actor, ConfigChange.Action.UPDATED, webhook, before=before, after=snapshot(webhook, ["is_active"]))
    return webhook


@settings_service(AREA)
def delete_webhook(*, webhook: Webhook, actor: Membership) -> None:
    """Remove a webhook and its delivery log."""
    _require_admin(actor, webhook)
    with transaction.atomic():
        webhook_id, before = webhook.pk, {**snapshot(webhook, WEBHOOK_FIELDS), "secret": HIDDEN}
        webhook.delete()
        _audit(actor, ConfigChange.Action.DELETED, webhook, target_id=webhook_id, before=before)
    logger.info("Webhook #%s deleted by membership #%s", webhook_id, actor.pk)


@settings_service(AREA)
def rotate_webhook_secret(*, webhook: Webhook, actor: Membership) -> Webhook:
    """A new signing secret; from now on every delivery, retries included, is signed with it."""
    _require_admin(actor, webhook)
    with transaction.atomic():
        webhook.secret = _new_secret()
        webhook.save(update_fields=["secret"])
        _audit(actor, ConfigChange.Action.UPDATED, webhook, before={"secret": HIDDEN}, after={"secret": REPLACED})
    return webhook


def _audit(actor: Membership, action: str, webhook: Webhook, **change) -> None:
    record_config_change(actor=actor, area=AREA, action=action, target=webhook, **change)


def send_test_event(*, webhook: Webhook, actor: Membership) -> WebhookDelivery:
    """Queue a "ping" delivery, to check the receiver and its signature check (also for a paused webhook)."""
    _require_admin(actor, webhook)
    event_id = uuid.uuid4()
    payload = ping_payload(tenant_slug=actor.tenant.slug, event_id=event_id, at=timezone.now())
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(webhook=webhook, event=PING, event_id=event_id, payload=payload)
        on_commit_task(DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


def redeliver(*, delivery: WebhookDelivery, actor: Membership) -> WebhookDelivery:
    """Send a failed delivery again, same event id (receivers drop repeats), with a fresh set of tries."""
    _require_admin(actor, delivery)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status != Status.FAILED:
            raise ServiceError("Only failed deliveries can be sent again.")
        if delivery.event != PING and not Webhook.objects.filter(pk=delivery.webhook_id, is_active=True).exists():
            raise ServiceError("This webhook is paused: resume it first, then send the delivery again.")
        delivery.status, delivery.attempts, delivery.next_attempt_at = Status.PENDING, 0, None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        on_commit_task(DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


# --- Fan-out: events to deliveries -------------------------------------------------------------------------------


FEED_SUBSCRIBER = "webhooks"


def accepts_change(change: Change) -> bool:
    """The change feed's filter: only changes whose kinds set off a webhook event (no receipt for the rest)."""
    return any(webhook_events(event) for event in change.events)


# The tenant's active webhooks as a drain batch read them (batch_webhooks); None outside a batch.
_batch_webhooks: ContextVar[list[Webhook] | None] = ContextVar("webhooks_of_batch", default=None)


@contextmanager
def batch_webhooks(changes: list[Change]) -> Iterator[None]:
    """The feed's batch hook: one read of the active webhooks for the whole batch rather than one per change (each
    new ticket makes two changes, creation and routing). The dispatcher enters it inside the batch's transaction,
    so the list is what that transaction sees, as each change's own read would have been."""
    token = _batch_webhooks.set(list(Webhook.objects.filter(is_active=True)))
    try:
        yield
    finally:
        _batch_webhooks.reset(token)


def queue_change_events(change: Change) -> list[WebhookDelivery]:
    """The webhooks' feed subscriber: one delivery per subscribed webhook and webhook event the change sets off.

    Runs in the subscriber's transaction (tickets.feed.dispatch), whose receipt makes a redelivered entry queue
    nothing; the deliveries' stable event ids (from the entry and its event ids) make that doubly sure. Replayed
    history never gets here (the subscriber takes no replay)."""
    webhooks = _batch_webhooks.get()
    if webhooks is None:
        webhooks = list(Webhook.objects.filter(is_active=True))
    if not webhooks:  # most tenants: one query (per batch) and done
        return []
    set_off: dict[str, list[TicketEvent]] = {}
    for event in change.events:
        for name in webhook_events(event):
            set_off.setdefault(name, []).append(event)
    wanted = {name: events for name, events in set_off.items() if any(name in hook.events for hook in webhooks)}
    if not wanted:
        return []
    ticket = Ticket.objects.select_related("tenant").get(pk=change.ticket_id)
    queued: list[WebhookDelivery] = []
    for name, events in wanted.items():
        event_id = change_event_id(
            tenant_id=change.tenant_id, entry_id=change.entry_id, event=name, event_ids=[e.pk for e in events]
        )
        payload = change_payload(
            ticket, event=name, event_id=event_id, occurred_at=events[0].created_at, changes=change.events
        )
        queued += _queue(name, event_id, payload, webhooks)
    return queued


def queue_ticket_event(*, ticket: Ticket, event: str, key: str, changes: Sequence[TicketEvent] = ()) -> list:
    """Tell the subscribed webhooks about one event on a ticket that no audit kind sets off (for apps with their
    own events, e.g. SLA); `key` names the occurrence (e.g. the breach's id), so sending it twice sends once."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}: register it with tickets.webhooks.events.register_event")
    if ticket.tenant_id != require_tenant_id():
        raise CrossTenantError("This ticket belongs to another organisation.")
    webhooks = list(Webhook.objects.filter(is_active=True))
    event_id = keyed_event_id(tenant_id=ticket.tenant_id, ticket_id=ticket.pk, event=event, key=key)
    payload = change_payload(ticket, event=event, event_id=event_id, occurred_at=timezone.now(), changes=changes)
    with transaction.atomic():
        return _queue(event, event_id, payload, webhooks)


def _queue(event: str, event_id: uuid.UUID, payload: dict, webhooks: list[Webhook]) -> list[WebhookDelivery]:
    queued = []
    for webhook in webhooks:
        if event not in webhook.events:
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=webhook, event_id=event_id, defaults={"event": event, "payload": payload}
        )
        if created:
            on_commit_task(DELIVER_TASK, delivery_id=delivery.pk)
            queued.append(delivery)
    return queued


# --- Delivery (the task's body) ----------------------------------------------------------------------------------


def attempt_delivery(*, delivery_id: int) -> float | None:
    """Try one delivery once if it is due; return the seconds until it should be tried, or None when done.

    Runs outside any transaction: the claim and the outcome are single statements, the HTTP call sits between.
    """
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING])
        .filter(due)
        .update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return _not_due(delivery_id, now)
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    if not webhook.is_active and delivery.event != PING:
        _record(delivery, status=Status.FAILED, error="Not sent: the webhook was paused.", counted=False)
        return None

    body = encode_body(delivery.payload)
    headers = signed_headers(secret=webhook.secret, event=delivery.event, event_id=str(delivery.event_id), body=body)
    answer, error, hopeless = None, "", False
    try:
        answer = post(parse_target(webhook.url), body=body, headers=headers)
    except OutboundRefused as refused:  # the URL (TargetRefused) or the address it resolves to
        error, hopeless = str(refused), True
    except (OSError, ValueError) as failed:  # network, TLS, HTTP; ValueError: a host name DNS cannot encode
        error = _describe(failed)

    attempts = delivery.attempts + 1
    if answer is not None and answer.ok:
        _record(delivery, status=Status.SUCCEEDED, answer=answer)
        return None
    if answer is not None:
        error = f"The receiver answered HTTP {answer.status}."
    if hopeless or attempts >= MAX_ATTEMPTS:
        _record(delivery, status=Status.FAILED, answer=answer, error=error)
        return None
    delay = retry_delay(attempts)
    _record(delivery, status=Status.RETRYING, answer=answer, error=error, retry_in=delay)
    return delay


def _not_due(delivery_id: int, now) -> float | None:
    """The claim failed: the delivery is done (None), or not due yet, or another copy of the task is trying it.
    In the last two cases this copy comes back when it is due, so a try whose worker died (the broker hands
    its message out again at once) is not lost; whichever copy claims it then sends it, the others wait again.
    """
    due_at = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING])
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due_at is None:
        return None
    return max((due_at - now).total_seconds(), 1.0)


def _record(delivery, *, status, answer=None, error="", retry_in=None, counted=True) -> None:
    now = timezone.now()
    changes = {
        "status": status,
        "error": error[:500],
        "next_attempt_at": now + timedelta(seconds=retry_in) if retry_in is not None else None,
    }
    if counted:
        changes.update(
            attempts=delivery.attempts + 1,
            last_attempt_at=now,
            response_code=answer.status if answer is not None else None,
            response_excerpt=answer.excerpt if answer is not None else "",
        )
    if status == Status.SUCCEEDED:
        changes["delivered_at"] = now
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)


def _describe(failed: Exception) -> str:
    text = str(failed) or failed.__class__.__name__
    if isinstance(failed, TimeoutError):
        text = "The receiver did not answer in time."
    elif isinstance(failed, socket.gaierror):
        text = "Could not resolve the host name."
    elif isinstance(failed, ConnectionRefusedError) or "Connection refused" in text:
        text = "Connection refused: nothing is listening at that address."
    return text


# --- Helpers -------------------------------------------------------------------------------------------------------


def _require_admin(actor: Membership, *objects) -> None:
    require_role(actor, Role.ADMIN, "Only tenant admins can manage webhooks.")
    ensure_same_tenant(actor, *objects)


def _clean(*, url: str, events: Sequence[str], description: str) -> dict:
    url = (url or "").strip()
    parse_target(url)  # raises TargetRefused with the reason
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ServiceError(f"Unknown event {unknown[0]!r}.")
    if not events:
        raise ServiceError("Choose at least one event.")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(f"Keep the description under {MAX_DESCRIPTION} characters.")
    return {"url": url, "events": [event for event in EVENTS if event in events], "description": description}


def _new_secret() -> str:
    return secrets.token_hex(32)


def resend_stalled_deliveries(*, limit: int = 500) -> int:
    """Send again the retries that are long overdue, across tenants; return how many were sent.

    A retry waits in the broker (a countdown). If the broker loses it (a Redis restart without persistence), the
    delivery would wait for ever; this periodic sweep hands it to a worker again. The claim in attempt_delivery
    makes a copy that was not lost after all harmless.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    with unscoped():
        stalled = list(
            WebhookDelivery.objects.filter(status=Status.RETRYING, next_attempt_at__lt=cutoff)
            .order_by("next_attempt_at")
            .values_list("tenant_id", "pk")[:limit]
        )
    sent = 0
    for tenant_id, delivery_id in stalled:
        with tenant_context(tenant_id):
            try:
                current_app.signature(
                    DELIVER_TASK, kwargs={"tenant_id": tenant_id, "delivery_id": delivery_id}
                ).apply_async(retry=False)
            except Exception:
                logger.exception("Could not resend webhook delivery #%s; the next sweep will try again", delivery_id)
                continue
        sent += 1
    return sent
