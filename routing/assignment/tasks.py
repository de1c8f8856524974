"""Assignment's outbox task (imported by RoutingConfig.ready so every worker knows it)."""

from __future__ import annotations

from celery import shared_task

from routing.assignment.services import ASSIGN_WAITING_TASK, assign_waiting_tickets
from tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name=ASSIGN_WAITING_TASK)
def assign_waiting_task(*, tenant_id: int, trigger: str) -> int:
    """Assign the tenant's waiting tickets, nearest due first; a redelivery assigns only what still waits."""
    return assign_waiting_tickets(trigger=trigger)
