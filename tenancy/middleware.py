"""Resolve the tenant from the request host and hold it in scope for the whole request."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseNotFound
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from tenancy.context import no_tenant, tenant_context
from tenancy.selectors import NO_MEMBERSHIP, get_membership, get_tenant_for_host

HEALTH_PATH = "/healthz"


def request_hostname(request: HttpRequest) -> str:
    host = request.get_host().lower()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


class TenantMiddleware:
    """Host -> tenant. `<slug>.<BASE_DOMAIN>` or a custom domain is a tenant, the bare base domain is the
    platform, and anything else is a plain 404 (this middleware is the allowed-hosts check)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.tenant = None
        request.membership = NO_MEMBERSHIP
        hostname = request_hostname(request)
        if hostname in settings.PLATFORM_HOSTS or request.path == HEALTH_PATH:
            request.urlconf = settings.PLATFORM_URLCONF
            with no_tenant():
                return self.get_response(request)

        tenant = get_tenant_for_host(hostname)
        if tenant is None:
            return HttpResponseNotFound(render_to_string("errors/unknown_host.html", {"host": hostname}))

        request.tenant = tenant
        request.membership = SimpleLazyObject(lambda: get_membership(user=request.user, tenant=tenant))
        with tenant_context(tenant.pk):
            return self.get_response(request)
