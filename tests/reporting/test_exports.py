"""CSV exports of desk lists: the list's own filters (custom fields included) and door, formula-safe cells, tenant
scoping, and the background job for large lists (a real task, run eagerly on commit)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reporting.exports import services
from reporting.models import ExportJob
from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.reporting.factories import ExportJobFactory
from tests.tickets.factories import CustomFieldFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db

EXPORT = "/desk/exports/tickets/"


def _table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _streamed(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    return _table(b"".join(response.streaming_content))


@pytest.fixture
def product(tenant):
    return CustomFieldFactory(tenant=tenant, key="product", label="Product")


def test_export_streams_the_filtered_list_with_custom_field_columns(tenant, supervisor, product, other_tenant):
    # given two cloud tickets and an on-prem one here, and a cloud ticket in another tenant
    cloud = [
        TicketFactory(tenant=tenant, subject=f"Cloud {i}", custom_fields={"product": "cloud"}, status="open")
        for i in range(2)
    ]
    TicketFactory(tenant=tenant, subject="On-prem", custom_fields={"product": "onprem"})
    CustomFieldFactory(tenant=other_tenant, key="product")
    TicketFactory(tenant=other_tenant, subject="Globex cloud", custom_fields={"product": "cloud"})
    # when the supervisor exports "All tickets" filtered by product = cloud
    response = host_client(tenant, supervisor).get(EXPORT, {"base": "all", "cf_product": "cloud", "sort": "created"})
    rows = _streamed(response)
    # then the header has the custom field's column, and the rows are this tenant's cloud tickets, newest first
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Reference", "Subject", "Status"] and header[-1] == "Product"
    assert [row[1] for row in body] == ["Cloud 1", "Cloud 0"]
    assert [row[0] for row in body] == [f"ACME-{t.number}" for t in reversed(cloud)]
    assert {row[-1] for row in body} == {"Tessera Cloud"} and {row[2] for row in body} == {"Open"}
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_export_neutralises_formulas_typed_by_customers(tenant, supervisor):
    # given tickets whose subjects a spreadsheet would run
    hostile = ['=HYPERLINK("http://evil","x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rReturn"]
    for subject in hostile:
        TicketFactory(tenant=tenant, subject=subject)
    # when they are exported
    rows = _streamed(host_client(tenant, supervisor).get(EXPORT, {"base": "all", "sort": "created"}))
    # then every one starts with an apostrophe, the text kept
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + subject for subject in hostile)


def test_export_of_a_list_the_member_may_not_open_is_a_404(tenant, agent):
    # given a tenant that limits agents to their teams' queues, and a queue of another team
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])
    queue = QueueFactory(tenant=tenant)
    TicketFactory(tenant=tenant, queue=queue)
    # when the agent asks for that queue's export
    response = host_client(tenant, agent).get(EXPORT, {"base": f"queue:{queue.pk}"})
    # then the list does not exist for them
    assert response.status_code == 404


def test_export_refuses_invalid_filters_rather_than_exporting_everything(tenant, supervisor):
    TicketFactory(tenant=tenant)
    response = host_client(tenant, supervisor).get(EXPORT, {"base": "all", "priority": "99", "created_min": "junk"})
    assert response.status_code == 400 and "cannot be exported" in response.content.decode()


@pytest.mark.parametrize("base", ["nope", "queue:abc", "queue:99999999999"])
def test_export_unknown_list_is_a_404(tenant, supervisor, base):
    assert host_client(tenant, supervisor).get(EXPORT, {"base": base}).status_code == 404


def test_queue_page_links_to_the_export_with_its_filters(tenant, supervisor):
    TicketFactory(tenant=tenant, status="open")
    html = host_client(tenant, supervisor).get("/desk/views/all/", {"status": "open"}).content.decode()
    assert f'href="{EXPORT}?base=all&status=open"' in html  # written as the page's own pager links are


# --- Large exports: a job, its task, its file ---------------------------------------------------------------------


def test_large_export_is_built_by_a_task_and_downloaded_only_by_who_asked(
    tenant, supervisor, settings, django_capture_on_commit_callbacks, product
):
    # given more tickets than the stream limit
    settings.REPORTING_EXPORT_STREAM_LIMIT = 2
    for i in range(3):
        TicketFactory(tenant=tenant, subject=f"Big {i}", custom_fields={"product": "onprem"})
    client = host_client(tenant, supervisor)
    # when the supervisor exports the list (the queued task runs when the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(EXPORT, {"base": "all", "sort": "created"})
    # then they are sent to the job's page, and the job is done with a file of every row
    with tenant_context(tenant):
        job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:export_job", args=[job.pk])
    assert (job.status, job.total, job.rows, job.requested_by_id) == ("done", 3, 3, supervisor.pk)
    assert job.file.name.startswith(f"tenants/{tenant.pk}/exportjob/")
    page = client.get(response["Location"]).content.decode()
    assert "Your export is ready" in page and reverse("desk:export_download", args=[job.pk]) in page
    download = client.get(reverse("desk:export_download", args=[job.pk]))
    rows = _table(b"".join(download.streaming_content))
    assert [row[1] for row in rows[1:]] == ["Big 2", "Big 1", "Big 0"] and rows[1][-1] == "Tessera On-Prem"


def test_export_job_is_invisible_to_other_members_and_tenants(tenant, supervisor, admin, other_tenant):
    # given a finished export of the supervisor's
    job = ExportJobFactory(tenant=tenant, requested_by=supervisor, status="done", rows=0)
    with tenant_context(tenant):
        job.file.save("x.csv", io.BytesIO(b"Reference\r\n"))
    other_admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")
    download = reverse("desk:export_download", args=[job.pk])
    # when an admin of the same tenant, or another tenant's admin on their own host, asks for it
    # then it does not exist for them; the supervisor gets it
    assert host_client(tenant, admin).get(download).status_code == 404
    assert host_client(tenant, admin).get(reverse("desk:export_job", args=[job.pk])).status_code == 404
    assert host_client(other_tenant, other_admin).get(download).status_code == 404
    assert host_client(tenant, supervisor).get(download).status_code == 200


def test_export_job_page_polls_while_running_and_shows_progress(tenant, supervisor):
    # given a running job that has written 4,000 of 10,000 rows
    job = ExportJobFactory(tenant=tenant, requested_by=supervisor, status="running", total=10_000)
    from django.core.cache import cache

    with tenant_context(tenant):  # cache keys are the tenant's own (tenancy.cache)
        cache.set(services.progress_key(job.pk), 4000)
    # when htmx asks for the progress
    response = host_client(tenant, supervisor).get(reverse("desk:export_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then the fragment shows it and asks again
    html = response.content.decode()
    assert "4000 of 10000" in html and 'hx-trigger="every 2s"' in html and "<html" not in html


def test_export_job_fails_clearly_when_the_list_is_gone(tenant, supervisor):
    # given a job for a queue that was deleted since
    job = ExportJobFactory(tenant=tenant, requested_by=supervisor, base="queue:987654")
    # when the task runs
    with tenant_context(tenant):
        finished = services.run_export(job_id=job.pk)
    # then the job failed with a reason, and running it again changes nothing
    assert finished.status == "failed" and finished.error
    with tenant_context(tenant):
        assert services.run_export(job_id=job.pk).finished_at == finished.finished_at


def test_export_job_task_runs_for_its_tenant(tenant, supervisor):
    # given a queued job
    TicketFactory(tenant=tenant, subject="Only one")
    job = ExportJobFactory(tenant=tenant, requested_by=supervisor)
    # when the Celery task runs (eagerly, through the task base class that enters the tenant)
    from reporting.exports.tasks import build_export_task

    assert build_export_task.delay(tenant_id=tenant.pk, job_id=job.pk).get() == 1
    with tenant_context(tenant):
        job.refresh_from_db()
    assert job.status == "done" and job.file
