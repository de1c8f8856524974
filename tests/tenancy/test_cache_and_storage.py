"""Cache entries (rate-limit counters included) and stored files are kept per tenant."""

import pytest
from django.core.cache import cache

from tenancy.context import tenant_context
from tenancy.storage import tenant_upload_path
from tests.tenancy.factories import MembershipFactory


@pytest.mark.django_db
def test_the_same_cache_key_holds_a_separate_value_per_tenant(tenant, other_tenant):
    # given the same key written in two tenants and on the platform
    with tenant_context(tenant):
        cache.set("rl:login", 3)
    with tenant_context(other_tenant):
        cache.set("rl:login", 7)
    cache.set("rl:login", 1)
    # when each reads it back
    with tenant_context(tenant):
        acme = cache.get("rl:login")
    with tenant_context(other_tenant):
        globex = cache.get("rl:login")
    # then nothing is shared
    assert (acme, globex, cache.get("rl:login")) == (3, 7, 1)


@pytest.mark.django_db
def test_rate_limit_counters_are_kept_per_tenant(tenant, other_tenant):
    from django.test import RequestFactory
    from django_ratelimit.core import get_usage

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    with tenant_context(tenant):
        for _ in range(3):
            acme = get_usage(request, group="portal-submit", key="ip", rate="5/h", increment=True)
    with tenant_context(other_tenant):
        globex = get_usage(request, group="portal-submit", key="ip", rate="5/h", increment=True)
    assert (acme["count"], globex["count"]) == (3, 1)


@pytest.mark.django_db
def test_uploads_are_stored_under_their_tenant_with_a_generated_name(tenant):
    membership = MembershipFactory(tenant=tenant)
    path = tenant_upload_path(membership, "../../etc/passwd.PNG")
    assert path.startswith(f"tenants/{tenant.pk}/membership/")
    assert path.endswith(".png") and "passwd" not in path and ".." not in path
    assert tenant_upload_path(tenant, "logo.svg;.html").startswith(f"tenants/{tenant.pk}/tenant/")
