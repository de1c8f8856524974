from datetime import timedelta

from celery import shared_task

from kb.models import Deflection, FiledRequest
from kb.services.deflection import WINDOW, finalise_deflections
from tenancy.context import tenant_context, unscoped
from tenancy.leases import leased
from tenancy.tasks import PlatformTask
from tickets import clock

NOTE_RETENTION = timedelta(days=7)


@shared_task(base=PlatformTask, name="kb.finalise_deflections")
@leased("kb.finalise_deflections", ttl_seconds=600)
def finalise_deflections_task() -> int | None:
    """The periodic job: decide the deflections whose day has passed, tenant by tenant (the KB numbers page also
    does it for its own tenant before it counts). Idempotent: a decided deflection is never touched again."""
    cutoff = clock.now() - WINDOW
    with unscoped():
        # A filed request's note the feed subscriber never took (it deletes those it takes): a ticket must not
        # stay linked to a browser digest.
        FiledRequest.objects.filter(created_at__lt=clock.now() - NOTE_RETENTION).delete()
        tenant_ids = list(
            Deflection.objects.filter(outcome=Deflection.Outcome.PENDING, opened_at__lte=cutoff)
            .values_list("tenant_id", flat=True)
            .distinct()
        )
    decided = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            decided += finalise_deflections()
    return decided
