from celery import shared_task
from django.conf import settings

from tenancy.context import unscoped
from tenancy.leases import leased
from tenancy.tasks import PlatformTask, TenantTask
from tickets import search_pairs
from tickets.custom_fields import sort_indexes
from tickets.mail.imap import poll_mailbox
from tickets.models import ImapMailbox
from tickets.services import customer_mail
from tickets.services.notifications import EMAILS_TASK, send_notification_email, send_notification_emails


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


@shared_task(
    base=TenantTask,
    name=EMAILS_TASK,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails_task(*, tenant_id: int, notification_ids: list[int]) -> int:
    """Mail a batch's notifications (tickets.services.notifications.notify_each); each at most once."""
    return send_notification_emails(notification_ids=notification_ids)


@shared_task(
    base=TenantTask,
    bind=True,
    name="tickets.send_outbound_email",
    max_retries=customer_mail.MAX_SEND_ATTEMPTS - 1,
)
def send_outbound_email_task(self, *, tenant_id: int, outbound_id: int) -> bool:
    """Send one customer mail; retried with backoff (1, 2, 4 ... 32 minutes) on SMTP and network errors. The
    attempts are counted on the row, so a redelivery by the outbox never adds more: the last one leaves the row
    FAILED with its error. A second run of a sent row sends nothing (see the service)."""
    try:
        return customer_mail.deliver_outbound_email(outbound_id=outbound_id)
    except OSError as error:  # SMTP errors are OSErrors
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error


@shared_task(base=PlatformTask, name="tickets.poll_imap_mailboxes")
@leased("tickets.poll_imap_mailboxes", ttl_seconds=300)
def poll_imap_mailboxes_task() -> int | None:
    """The periodic job: one polling task per active IMAP mailbox of an active tenant; returns how many."""
    with unscoped():
        mailboxes = list(
            ImapMailbox.objects.filter(is_active=True, tenant__is_active=True).values_list("tenant_id", "pk")
        )
    for tenant_id, mailbox_id in mailboxes:
        poll_imap_mailbox_task.delay(tenant_id=tenant_id, mailbox_id=mailbox_id)
    return len(mailboxes)


@shared_task(base=TenantTask, name="tickets.poll_imap_mailbox")
def poll_imap_mailbox_task(*, tenant_id: int, mailbox_id: int) -> int:
    """Fetch one mailbox's unseen mail into the intake (errors are kept on the mailbox, not raised)."""
    return poll_mailbox(mailbox_id=mailbox_id)


@shared_task(base=PlatformTask, name="tickets.sync_sort_indexes")
@leased("tickets.sync_sort_indexes", ttl_seconds=3600)
def sync_sort_indexes_task() -> int | None:
    """Build or drop the custom fields' sort indexes when the operator gave the worker an owner login for it;
    otherwise `manage.py sync_sort_indexes` does (the fields' pending states wait for it)."""
    if not settings.SORT_INDEX_DATABASE_URL:
        return None
    done = sort_indexes.sync_with_url(settings.SORT_INDEX_DATABASE_URL)
    return len(done.create) + len(done.drop)


@shared_task(base=PlatformTask, name="tickets.maintain_search_pairs")
@leased("tickets.maintain_search_pairs", ttl_seconds=1800)
def maintain_search_pairs_task() -> int | None:
    """Keep the search's common words current and their pair tokens backfilled (tickets.search_pairs.maintain);
    `manage.py search_phrase_pairs` does the same at once. Returns the list's version (None on SQLite)."""
    state = search_pairs.maintain()
    return None if state is None else state.version
