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


@pytest.mark.django_db
def test_a_host_served_before_is_resolved_without_a_query_and_each_request_gets_its_own_tenant(tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenancy.hosts import tenant_for_host

    # given the host was served once
    first = tenant_for_host("acme.localhost")
    # when it is asked again
    with CaptureQueriesContext(connection) as queries:
        second = tenant_for_host("acme.localhost")
    # then the process's copy answers: no query, the same tenant, but an instance of the request's own
    assert len(queries) == 0
    assert second == first == tenant and second is not first
    second.allowed_attachment_kinds.append("exe")
    assert "exe" not in tenant_for_host("acme.localhost").allowed_attachment_kinds


@pytest.mark.django_db
def test_suspending_a_tenant_served_before_takes_effect_with_the_next_request(tenant):
    # given its host was served (and is remembered by this process)
    assert host_client(tenant).get("/").status_code == 200
    # when the tenant is suspended
    tenant.is_active = False
    tenant.save(update_fields=["is_active"])
    # then its next request is refused
    assert host_client(tenant).get("/").status_code == 404


@pytest.mark.django_db
def test_a_removed_domain_served_before_stops_at_once(tenant):
    # given a custom domain that served acme
    domain = TenantDomainFactory(tenant=tenant, domain="help.acme-corp.com")
    assert host_client().get("/", HTTP_HOST="help.acme-corp.com").status_code == 200
    # when the domain is removed
    domain.delete()
    # then the host is no longer served
    assert host_client().get("/", HTTP_HOST="help.acme-corp.com").status_code == 404


def _round_trips(monkeypatch) -> list[bytes]:
    """Every command sent to Redis from now on (a pipeline or an MGET is one)."""
    import redis.connection

    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def recorded(self, command, check_health=True):
        parts = command if isinstance(command, list | tuple) else [command]
        sent.append(b"".join(bytes(part) for part in parts))
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", recorded)
    return sent


@pytest.mark.django_db
def test_a_request_reads_the_hosts_and_its_tenants_list_versions_in_one_round_trip(tenant, desk, monkeypatch):
    # given the portal form was served once by this process (its lists' versions exist)
    assert host_client(tenant).get("/new/").status_code == 200
    sent = _round_trips(monkeypatch)
    # when it is requested again (the form reads the picklists and the custom fields)
    assert host_client(tenant).get("/new/").status_code == 200
    # then the first round trip read the hosts' version and both lists' versions, and no version was read again
    assert sent[0].split(b"\r\n")[2] == b"MGET"
    for key in (b"platform:tenant-hosts-version", f"t{tenant.pk}:picklists-version:{tenant.pk}".encode(),
                f"t{tenant.pk}:custom-fields-version:{tenant.pk}".encode()):  # fmt: skip
        assert key in sent[0]
    assert not [command for command in sent[1:] if b"-version" in command]


@pytest.mark.django_db
def test_a_domain_moved_to_another_tenant_gets_that_tenants_lists(tenant, other_tenant):
    from django.core.cache import cache

    from tenancy.context import tenant_context
    from tenancy.hosts import resolve
    from tickets import picklists

    # given a custom domain that served acme twice (the second time with acme's lists' versions)
    domain = TenantDomainFactory(tenant=tenant, domain="help.acme-corp.com")
    assert host_client().get("/new/", HTTP_HOST="help.acme-corp.com").status_code == 200
    served, versions = resolve("help.acme-corp.com")
    with tenant_context(tenant):
        assert served == tenant and versions["picklists"] == cache.get(f"picklists-version:{tenant.pk}")
    # when the domain moves to globex
    domain.tenant = other_tenant
    domain.save()
    # then it serves globex without acme's versions, then with globex's own
    served, versions = resolve("help.acme-corp.com")
    assert served == other_tenant and versions is None
    with tenant_context(other_tenant):
        picklists.picklists()  # (its versions exist)
    served, versions = resolve("help.acme-corp.com")
    with tenant_context(other_tenant):
        assert served == other_tenant and versions["picklists"] == cache.get(f"picklists-version:{other_tenant.pk}")
