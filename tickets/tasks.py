from celery import shared_task

from tenancy.tasks import TenantTask
from tickets.signals import ticket_changed


@shared_task(base=TenantTask, name="tickets.ticket_changed")
def ticket_changed_task(*, tenant_id: int, ticket_id: int, kinds: list[str]) -> int:
    """Tell the apps that react to ticket changes; returns how many receivers ran."""
    return len(ticket_changed.send(sender="tickets", ticket_id=ticket_id, kinds=kinds))
