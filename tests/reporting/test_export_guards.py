"""An export shows a member no ticket their lists do not: with `agents_see_all_tickets` off, an agent's export of
"All tickets" (streamed, or built later by the task as the member who asked) holds their teams' tickets only, and
a job whose member is no longer staff when it runs is refused. The hidden ticket exists in the same tenant and a
supervisor's export of the same list holds it: only the visibility door keeps it out."""

from __future__ import annotations

import csv
import io

import pytest

from reporting.exports.services import run_export
from reporting.models import ExportJob
from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.tickets.factories import TicketFactory
from tickets.models import Queue, Team

pytestmark = pytest.mark.django_db

EXPORT = "/desk/exports/tickets/"
HIDDEN = "Salary of the board"


@pytest.fixture
def limited(tenant, desk):
    """Agents see their teams' queues only; General is the agent's (Frontline), Payroll another team's."""
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        payroll = Queue.objects.create(name="Payroll", team=Team.objects.create(name="Payroll"))
    TicketFactory(tenant=tenant, queue=desk["queue"], subject="Printer on fire")
    TicketFactory(tenant=tenant, queue=payroll, subject=HIDDEN)
    return payroll


def _subjects(content: bytes) -> set[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {row[1] for row in rows[1:]}


def _export(client, django_capture_on_commit_callbacks) -> set[str]:
    """The subjects of the member's export of "All tickets", streamed or through its job's file."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(EXPORT, {"base": "all", "sort": "created"})
    if response.streaming:
        return _subjects(b"".join(response.streaming_content))
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"/desk/exports/{job_id}/download/")
    assert download.status_code == 200
    return _subjects(b"".join(download.streaming_content))


@pytest.mark.parametrize("queued", [False, True], ids=["streamed", "queued"])
def test_agents_export_of_all_tickets_leaves_out_another_teams_queue(
    tenant, agent, supervisor, limited, settings, django_capture_on_commit_callbacks, queued
):
    # given a ticket in the agent's queue and one in another team's queue (a job when the list is over the limit)
    settings.REPORTING_EXPORT_STREAM_LIMIT = 0 if queued else 1000
    # when the agent exports "All tickets"
    theirs = _export(host_client(tenant, agent), django_capture_on_commit_callbacks)
    # then the other team's ticket is not in it, while a supervisor's export of the same list holds both
    assert theirs == {"Printer on fire"}
    assert _export(host_client(tenant, supervisor), django_capture_on_commit_callbacks) == {"Printer on fire", HIDDEN}


def test_queued_export_of_a_member_no_longer_staff_is_refused(
    tenant, agent, limited, settings, django_capture_on_commit_callbacks
):
    # given an agent's export queued (over the stream limit), the task not yet run
    settings.REPORTING_EXPORT_STREAM_LIMIT = 0
    response = host_client(tenant, agent).get(EXPORT, {"base": "all"})
    assert response.status_code == 302
    # when the agent becomes a customer before the task runs
    with tenant_context(tenant):
        agent.role = "customer"
        agent.save(update_fields=["role"])
        job = ExportJob.objects.get()
    with tenant_context(tenant):
        run_export(job_id=job.pk)
        job.refresh_from_db()
    # then the job fails with the reason and writes no file
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert "no longer on the staff" in job.error
