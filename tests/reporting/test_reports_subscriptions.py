"""Scheduled reports: a supervisor subscribes to the weekly summary; each ended week (in the tenant's zone) is
claimed once and mailed through the outbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from reporting.reports.models import ReportSubscription
from reporting.reports.services import schedule_weekly_summaries, subscribe
from reporting.reports.summary import last_complete_week
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import PendingTask
from tests.conftest import host_client
from tests.sla.conftest import berlin
from tickets import clock

pytestmark = pytest.mark.django_db


def test_last_complete_week_is_monday_to_sunday_in_the_tenant_zone(berlin_tenant):
    # Monday 20 Jan 00:30 in Berlin is still Sunday in UTC: the week of 13 Jan has ended in Berlin all the same
    assert str(last_complete_week(berlin_tenant, berlin(2025, 1, 20, 0, 30))) == "2025-01-13"
    assert str(last_complete_week(berlin_tenant, berlin(2025, 1, 19, 23, 30))) == "2025-01-06"


def test_subscription_page_subscribes_and_unsubscribes(known, supervisor):
    client = host_client(known["tenant"], supervisor)
    # when the supervisor subscribes
    response = client.post(reverse("desk:report_subscription"), {"action": "subscribe"})
    # then a subscription exists and the index offers to unsubscribe
    assert response.status_code == 302
    with tenant_context(known["tenant"]):
        assert ReportSubscription.objects.filter(membership=supervisor).count() == 1
    assert "Unsubscribe" in client.get(reverse("desk:reports")).content.decode()
    # and unsubscribing removes it
    client.post(reverse("desk:report_subscription"), {"action": "unsubscribe"})
    with tenant_context(known["tenant"]):
        assert not ReportSubscription.objects.filter(membership=supervisor).exists()


def test_subscription_refuses_agents(known):
    response = host_client(known["tenant"], known["ali"]).post(reverse("desk:report_subscription"))
    assert response.status_code == 403
    with tenant_context(known["tenant"]), pytest.raises(ServiceError):
        subscribe(membership=known["ali"])


def test_weekly_summary_is_mailed_once_per_week_with_the_week_figures(
    known, supervisor, django_capture_on_commit_callbacks
):
    # given a supervisor who subscribed during the week of 13 January
    tenant = known["tenant"]
    with tenant_context(tenant), clock.replaying(berlin(2025, 1, 15, 9)):
        subscribe(membership=supervisor)
    # when the scheduler runs on Monday 20th, twice
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant):
        first = schedule_weekly_summaries(tenant=tenant, now=berlin(2025, 1, 20, 7))
        second = schedule_weekly_summaries(tenant=tenant, now=berlin(2025, 1, 20, 8))
    # then one mail was recorded in the outbox and sent, for 13-19 January
    assert (first, second) == (1, 0)
    with tenant_context(tenant):
        assert PendingTask.objects.filter(task_name="reporting.send_weekly_summary").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [supervisor.user.email]
    assert "Mon 13 Jan - Sun 19 Jan 2025" in message.subject
    # and it carries the week's figures by the reports' definitions (T2, T3, T5 created; T1, T2, T3 resolved)
    assert "Created: 3" in message.body
    assert "Resolved: 3" in message.body
    assert "SLA: 75.0 % met (6 of 8)" in message.body
    assert "Satisfaction: 3.50 of 5 (2 ratings)" in message.body
    assert "/desk/reports/volume/?start=2025-01-13&end=2025-01-19" in message.body


def test_weekly_summary_not_sent_to_a_member_no_longer_supervisor(
    known, supervisor, django_capture_on_commit_callbacks
):
    tenant = known["tenant"]
    with tenant_context(tenant), clock.replaying(berlin(2025, 1, 15, 9)):
        subscribe(membership=supervisor)
    with tenant_context(tenant):
        supervisor.role = "agent"
        supervisor.save(update_fields=["role"])
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant):
        schedule_weekly_summaries(tenant=tenant, now=berlin(2025, 1, 20, 7))
    assert mail.outbox == []
