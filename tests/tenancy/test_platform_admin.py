"""The Django admin is for platform staff, on the platform host only, and works across tenants."""

import pytest

from tests.conftest import host_client, make_member, sign_in
from tests.tenancy.factories import make_platform_staff


@pytest.mark.django_db(transaction=True)
def test_platform_staff_manage_tenants_and_memberships_across_tenants(tenant, other_tenant):
    # given platform staff and members in two tenants
    operator = make_platform_staff("ops@tessera.example")
    make_member(tenant, "agent", "a@acme.example")
    make_member(other_tenant, "agent", "a@globex.example")
    client = host_client()
    sign_in(client, operator)
    # when they open the admin on the platform host
    tenants = client.get("/admin/tenancy/tenant/")
    memberships = client.get("/admin/tenancy/membership/")
    # then they see every tenant and every membership
    assert tenants.status_code == memberships.status_code == 200
    assert "Acme Corporation" in tenants.text and "Globex Inc." in tenants.text
    assert "a@acme.example" in memberships.text and "a@globex.example" in memberships.text


@pytest.mark.django_db
def test_admin_is_not_served_on_tenant_hosts_nor_to_tenant_admins(tenant, admin):
    # a tenant admin is not platform staff
    assert host_client(tenant, admin).get("/admin/").status_code == 404
    client = host_client()
    sign_in(client, admin.user)
    assert client.get("/admin/tenancy/tenant/").status_code == 302
