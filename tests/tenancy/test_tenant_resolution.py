"""The request host decides the tenant: <slug>.<BASE_DOMAIN>, a custom domain, the platform, or a 404."""

import pytest

from tests.conftest import host_client
from tests.tenancy.factories import TenantDomainFactory, TenantFactory


@pytest.mark.django_db
def test_subdomain_resolves_its_tenant(tenant, other_tenant):
    # when each tenant's host is requested
    acme = host_client(tenant).get("/")
    globex = host_client(other_tenant).get("/")
    # then each gets its own branded portal
    assert acme.status_code == globex.status_code == 200
    assert acme.wsgi_request.tenant == tenant
    assert globex.wsgi_request.tenant == other_tenant
    assert "Acme Corporation" in acme.text and "Globex" not in acme.text


@pytest.mark.django_db
def test_subdomain_with_port_and_upper_case_resolves(tenant):
    # when the host carries a port and capitals, as browsers may send
    response = host_client().get("/", HTTP_HOST="ACME.localhost:8000")
    # then the tenant is found
    assert response.status_code == 200
    assert response.wsgi_request.tenant == tenant


@pytest.mark.django_db
def test_custom_domain_resolves_its_tenant(tenant, other_tenant):
    # given a custom domain for acme
    TenantDomainFactory(tenant=tenant, domain="help.acme-corp.com")
    # when that host is requested
    response = host_client().get("/", HTTP_HOST="help.acme-corp.com")
    # then it serves acme
    assert response.status_code == 200
    assert response.wsgi_request.tenant == tenant


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    [
        "nosuch.localhost",
        "evil.example.com",
        "a.b.localhost",
        "localhost.evil.com",
        "acme.localhost.evil.com",
    ],
)
def test_unknown_host_is_a_plain_404(tenant, host):
    # when a host that no tenant owns is requested
    response = host_client().get("/", HTTP_HOST=host)
    # then it is a plain 404 that names no tenant
    assert response.status_code == 404
    assert "Acme" not in response.text


@pytest.mark.django_db
def test_suspended_tenant_is_not_served(tenant):
    # given a suspended tenant
    tenant.is_active = False
    tenant.save(update_fields=["is_active"])
    # when its host is requested
    response = host_client(tenant).get("/")
    # then nothing is served
    assert response.status_code == 404


@pytest.mark.django_db
def test_platform_host_serves_the_landing(tenant):
    # when the bare base domain is requested
    response = host_client().get("/")
    # then it is the platform landing, with no tenant
    assert response.status_code == 200
    assert response.wsgi_request.tenant is None


@pytest.mark.django_db(transaction=True)
def test_platform_landing_picks_among_the_users_tenants(tenant, other_tenant):
    # given a person who is an agent at acme and a customer at globex, and a third tenant they don't belong to
    from tests.conftest import make_member

    membership = make_member(tenant, "agent", "both@example.com")
    make_member(other_tenant, "customer", "both@example.com")
    TenantFactory(slug="initech", name="Initech")
    # when they open the platform landing signed in
    response = host_client(member=membership).get("/")
    # then they see both of their help desks and nothing else
    assert response.status_code == 200
    assert "Acme Corporation" in response.text and "Globex Inc." in response.text
    assert "Initech" not in response.text
