"""Reporting's tables. Exports first (issue 17, item 4); the reports' own models follow at the end of the file."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenancy.models import Membership, TenantModel
from tenancy.storage import tenant_upload_path


class ExportJob(TenantModel):
    """A CSV export too large to stream in one request, built by a task into a stored file.

    It remembers the list and its filters as the member saw them (`base`, `query`), so the task rebuilds the
    same queryset through the same door (tickets.selectors.visible_tickets) with the member's own rights. Only the
    member who asked may download the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    # The list the export starts from ("all", "mine", "queue:<id>", ...) and its filters as a query string.
    base = models.CharField(max_length=40)
    query = models.TextField(blank=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=tenant_upload_path, max_length=255, blank=True)
    filename = models.CharField(max_length=200)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "requested_by", "-created_at"], name="reporting_export_member")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk}: {self.title}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


from reporting.facts.models import TicketFacts  # noqa: E402, F401  (the reports' per-ticket facts)
from reporting.reports.models import ReportSubscription  # noqa: E402, F401  (the reports' models)
