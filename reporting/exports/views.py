"""Export pages: the CSV of a desk list (streamed, or queued when large), a queued export's progress, its file."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from reporting.exports import services
from reporting.models import ExportJob
from tenancy.roles import Role, role_required
from tickets.selectors import capped_counts


@role_required(Role.AGENT)
@require_GET
def export_tickets(request: HttpRequest) -> HttpResponse:
    """The CSV of the list named by `base` ("all", "mine", "queue:<id>", ...) with the page's filters and sort."""
    params = request.GET.copy()
    base = params.pop("base", ["all"])[-1] or "all"
    params.pop("page", None)
    try:
        export, title = services.list_export(request, base=base, params=params)
    except services.InvalidFilters as refused:
        return render(request, "reporting/exports_refused.html", {"reason": str(refused)}, status=400)
    limit = services.stream_limit()
    # One capped count decides: the stream needs no count, a queued job counts in the task.
    if capped_counts({"n": export.tickets}, cap=limit)["n"] <= limit:
        return services.streamed_export(export, filename=services.filename_for(title, request.tenant))
    job = services.request_export(
        actor=request.membership, base=base, query=params.urlencode(), title=title, tenant=request.tenant
    )
    return redirect("desk:export_job", job_id=job.pk)


def _own_job(request: HttpRequest, job_id: int) -> ExportJob:
    """Only the member who asked sees a job: anyone else (a colleague, another tenant) gets a 404."""
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.membership).first()
    if job is None:
        raise Http404("No such export.")
    return job


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    context = {"job": job, "done": services.progress_of(job)}
    template = "reporting/exports_job.html#progress" if request.htmx else "reporting/exports_job.html"
    return render(request, template, context)


@role_required(Role.AGENT)
@require_GET
def export_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = _own_job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404("This export is not ready.")
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename, content_type="text/csv")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
