from celery import shared_task

from tenancy.tasks import TenantTask
from tickets.services.notifications import send_notification_email
from tickets.signals import ticket_changed


@shared_task(base=TenantTask, name="tickets.ticket_changed")
def ticket_changed_task(*, tenant_id: int, ticket_id: int, kinds: list[str]) -> int:
    """Tell the apps that react to ticket changes; returns how many receivers ran."""
    return len(ticket_changed.send(sender="tickets", ticket_id=ticket_id, kinds=kinds))


@shared_task(
    base=TenantTask,
    name="tickets.send_notification_email",
    autoretry_for=(OSError,),  # SMTP errors are OSErrors
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email_task(*, tenant_id: int, notification_id: int) -> bool:
    """Mail one notification to its recipient; a second run sends nothing (see the service)."""
    return send_notification_email(notification_id=notification_id)
