"""The Django admin is for platform staff, on the platform host only, and works across tenants."""

import pytest

from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.roles import Role
from tests.conftest import host_client, make_member, sign_in
from tests.tenancy.factories import make_platform_staff
from tickets.models import Queue


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


@pytest.mark.django_db(transaction=True)
def test_platform_admin_add_tenant_sets_up_a_working_help_desk():
    # given platform staff in the admin
    operator = make_platform_staff("ops@tessera.example")
    client = host_client()
    sign_in(client, operator)
    # when they add a tenant with its first admin (no prefix: taken from the slug)
    response = client.post(
        "/admin/tenancy/tenant/add/",
        {"name": "Initech", "slug": "initech", "ticket_prefix": "", "timezone": "Europe/Berlin",
         "admin_email": "Boss@Initech.example"},
        follow=True,
    )  # fmt: skip
    # then the tenant exists as create_tenant makes it: its admin, a default queue, and the set-password link shown
    assert response.status_code == 200
    tenant = Tenant.objects.get(slug="initech")
    assert (tenant.ticket_prefix, tenant.timezone) == ("INITECH", "Europe/Berlin")
    with tenant_context(tenant):
        admin = Membership.objects.select_related("user").get()
        assert (admin.user.email, admin.role) == ("boss@initech.example", Role.ADMIN)
        assert Queue.objects.filter(is_default=True).exists()
    assert "http://initech.localhost/accounts/password/reset/" in response.text


@pytest.mark.django_db(transaction=True)
def test_platform_admin_add_tenant_refuses_bad_input_clearly(tenant):
    operator = make_platform_staff("ops@tessera.example")
    client = host_client()
    sign_in(client, operator)
    # when the slug is taken and the email is not one
    response = client.post(
        "/admin/tenancy/tenant/add/",
        {"name": "Acme again", "slug": "acme", "ticket_prefix": "", "timezone": "UTC", "admin_email": "nope"},
    )
    # then the form says so and nothing was made
    assert response.status_code == 200
    assert "already exists" in response.text and "valid email" in response.text
    assert Tenant.objects.count() == 1
