"""Exports: the list a member asked for, streamed now or built in the background into a stored file."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.utils import timezone

from reporting.csv_export import csv_lines, streamed_csv
from reporting.exports.columns import TicketExport
from reporting.models import ExportJob
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import Membership
from tenancy.outbox import on_commit_task
from tenancy.times import zone_for

logger = logging.getLogger(__name__)

EXPORT_TASK = "reporting.build_export"
STREAM_LIMIT = 20_000
PROGRESS_EVERY = 2000


def stream_limit() -> int:
    """Up to this many rows an export streams in the request; above it a task builds the file."""
    return getattr(settings, "REPORTING_EXPORT_STREAM_LIMIT", STREAM_LIMIT)


@dataclass
class ListRequest:
    """What tickets.views.queues needs of a request to rebuild a list: who asks, in which tenant."""

    tenant: object
    membership: Membership
    user: object
    htmx: bool = False


class InvalidFilters(ServiceError):
    pass


def list_export(request, *, base: str, params: QueryDict) -> tuple[TicketExport, str]:
    """The export of one desk list as its page shows it (same door, filters and sort); Http404 for a list this
    member may not open, InvalidFilters when the filters do not validate (never "everything" instead)."""
    # Imported here: the desk's list views sit above reporting's models in the import order of apps.
    from tickets.views.queues import filtered_tickets, list_source

    source = list_source(request, base)
    filters, tickets, _ = filtered_tickets(request, source.tickets, params)
    if filters.is_bound and not filters.form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filters.form.errors.items())
        raise InvalidFilters(f"These filters cannot be exported: {problems}")
    export = TicketExport(tickets, tenant=request.tenant, zone=zone_for(tenant=request.tenant))
    return export, source.title


def filename_for(title: str, tenant) -> str:
    stamp = timezone.localtime(timezone.now(), zone_for(tenant=tenant)).strftime("%Y-%m-%d-%H%M")
    return f"{tenant.slug}-{title}-{stamp}.csv".replace(" ", "-").lower()


def streamed_export(export: TicketExport, *, filename: str) -> StreamingHttpResponse:
    """The export written as it is read. The rows are produced after the view has returned (and with it the
    request's transaction and tenant scope), so the generator opens its own: a transaction for the server-side
    cursor, under the tenant's scope for row-level security."""
    tenant_id = export.tenant.pk

    def rows() -> Iterator[list[object]]:
        with tenant_context(tenant_id), transaction.atomic():
            yield from export.rows()

    response = streamed_csv(filename=filename, header=export.header, rows=rows())
    response["Cache-Control"] = "private, no-store"
    return response


# --- Background exports ----------------------------------------------------------------------------------------


def request_export(*, actor: Membership, base: str, query: str, title: str, tenant) -> ExportJob:
    """Queue an export too large to stream; the task builds it (reporting.exports.tasks)."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor, base=base, query=query, title=title[:200], filename=filename_for(title, tenant)[:200]
        )
        on_commit_task(EXPORT_TASK, job_id=job.pk)
    return job


def progress_key(job_id: int) -> str:
    return f"reporting:export-progress:{job_id}"


def progress_of(job: ExportJob) -> int:
    """Rows written so far: counted in the cache while the task runs (its rows are in one long transaction, so
    the job row cannot show them before the end), and on the job once it is done."""
    if job.status == ExportJob.Status.RUNNING:
        return int(cache.get(progress_key(job.pk)) or 0)
    return job.rows


def run_export(*, job_id: int) -> ExportJob:
    """Build the file of one job; a finished job is left alone, an interrupted one starts again."""
    job = ExportJob.objects.select_related("requested_by__user", "tenant").get(pk=job_id)
    if job.is_finished:
        return job
    member = job.requested_by
    if member is None or not member.is_staff_member:
        return _fail(job, "The member who asked for this export is no longer on the staff.")
    request = ListRequest(tenant=job.tenant, membership=member, user=member.user)
    try:
        export, _ = list_export(request, base=job.base, params=QueryDict(job.query))
    except (Http404, ServiceError) as refused:
        return _fail(job, str(refused) or "This list no longer exists or is no longer visible to you.")
    job.status, job.started_at, job.total = ExportJob.Status.RUNNING, timezone.now(), export.count()
    job.save(update_fields=["status", "started_at", "total"])
    try:
        written = _write(job, export)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        return _fail(job, "The export failed; try again, or narrow the filters.")
    job.status, job.rows, job.finished_at = ExportJob.Status.DONE, written, timezone.now()
    job.save(update_fields=["status", "rows", "file", "finished_at"])
    cache.delete(progress_key(job.pk))
    return job


def _write(job: ExportJob, export: TicketExport) -> int:
    """Write the CSV to a temporary file (memory stays flat), then hand it to the storage."""
    written = 0
    with tempfile.TemporaryFile() as spool:
        # One transaction: the server-side cursor lives in it, and the file is one consistent snapshot.
        with transaction.atomic():
            lines = csv_lines(export.header, export.rows())
            spool.write(next(lines).encode("utf-8"))
            for line in lines:
                spool.write(line.encode("utf-8"))
                written += 1
                if written % PROGRESS_EVERY == 0:
                    cache.set(progress_key(job.pk), written, 3600)
        spool.seek(0)
        job.file.save(f"export-{job.pk}.csv", File(spool), save=False)
    return written


def _fail(job: ExportJob, reason: str) -> ExportJob:
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, reason[:255], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job
