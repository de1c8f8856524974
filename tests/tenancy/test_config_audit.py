"""Every settings service writes exactly one audit row with before and after, in the change's transaction;
the audit page lists them for admins, filtered, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy.audit import HIDDEN, REPLACED, load_settings_services, record_config_change
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange
from tenancy.services import update_branding
from tests.conftest import count_queries, host_client
from tests.tenancy.settings_samples import SAMPLES

SERVICES = load_settings_services()


def test_every_settings_service_has_a_sample():
    # given every function declared with @settings_service
    # when we compare them with the samples the audit test runs
    # then none is left out (a new settings service must show here that it writes its audit row)
    assert set(SERVICES) == set(SAMPLES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_settings_service_writes_one_audit_row_with_before_and_after(tenant, other_tenant, admin, name):
    # given a tenant admin, and nothing in the audit yet
    with tenant_context(tenant):
        assert not ConfigChange.objects.exists()
        # when the settings service makes one change
        key = SAMPLES[name](tenant, admin)
        # then exactly one audit row says who, where, and the value before and after
        change = ConfigChange.objects.get()
    assert change.actor_membership_id == admin.pk
    assert change.area == SERVICES[name].area
    if change.action == ConfigChange.Action.DELETED:  # a deleted row has no after: what it was is in before
        assert key in change.before and change.after.get(key) is None
    else:
        assert key in change.after and change.before.get(key) != change.after[key]
    # and another tenant's audit stays empty
    with tenant_context(other_tenant):
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_settings_service_writes_nothing_when_nothing_changes(tenant, admin):
    # given a branding already set
    with tenant_context(tenant):
        update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1d4ed8")
        # when an admin saves the same values again
        update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
        # then the audit holds only the first change
        assert ConfigChange.objects.count() == 1


@pytest.mark.django_db
def test_settings_service_refused_for_an_agent_writes_nothing(tenant, agent):
    # given an agent
    with tenant_context(tenant):
        # when they try to change the branding through the service itself
        with pytest.raises(ServiceError, match="Only admins"):
            update_branding(tenant=tenant, actor=agent, display_name="Hacked", accent_colour="#000000")
        # then nothing changed and nothing was recorded
        tenant.refresh_from_db()
        assert tenant.display_name != "Hacked"
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_record_config_change_keeps_only_changed_keys_and_never_a_secret(tenant, admin):
    # given a change to two settings of which one is a secret and one did not change
    with tenant_context(tenant):
        change = record_config_change(
            actor=admin,
            area="tickets.webhooks",
            action=ConfigChange.Action.UPDATED,
            label="CRM hook",
            before={"url": "https://a.example/hook", "secret": HIDDEN, "active": True},
            after={"url": "https://b.example/hook", "secret": REPLACED, "active": True},
        )
    # then the row keeps the keys that changed, the secret only as a marker
    assert change.before == {"url": "https://a.example/hook", "secret": HIDDEN}
    assert change.after == {"url": "https://b.example/hook", "secret": REPLACED}


@pytest.mark.django_db
def test_config_audit_page_lists_this_tenants_changes_filtered(tenant, other_tenant, admin):
    # given a branding change and an attachment change in acme, and a change in globex
    with tenant_context(tenant):
        update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1d4ed8")
        SAMPLES["tickets.services.attachments.set_attachment_policy"](tenant, admin)
    with tenant_context(other_tenant):
        record_config_change(
            actor=_automation(), area="tenancy.branding", action="updated", label="Globex secret plan",
            before={"display_name": ""}, after={"display_name": "Globex"},
        )  # fmt: skip
    client = host_client(tenant, admin)
    # when the admin opens the audit, then filters it by area
    everything = client.get(reverse("desk:config_audit"))
    branding = client.get(reverse("desk:config_audit"), {"area": "tenancy.branding"})
    # then they see their own changes, with the values, and only those the filter asks for
    assert everything.status_code == 200
    assert [c.area for c in everything.context["changes"]] == [
        "tickets.attachments",
        "tenancy.branding",
    ]
    assert b"Acme Help" in everything.content and b"Globex secret plan" not in everything.content
    assert [c.area for c in branding.context["changes"]] == ["tenancy.branding"]


@pytest.mark.django_db
def test_config_audit_page_runs_a_fixed_number_of_queries(tenant, admin):
    # given an audit with 2 changes, then one with 30
    client = host_client(tenant, admin)
    url = reverse("desk:config_audit")
    with tenant_context(tenant):
        for number in range(2):
            update_branding(tenant=tenant, actor=admin, display_name=f"Acme {number}", accent_colour="#1d4ed8")
    few = count_queries(client, url)
    with tenant_context(tenant):
        for number in range(28):
            update_branding(tenant=tenant, actor=admin, display_name=f"Acme {number + 2}", accent_colour="#1d4ed8")
    # when the page is opened each time / then it runs as many queries
    assert count_queries(client, url) == few


def _automation():
    from tenancy.actors import Automation

    return Automation("import")
