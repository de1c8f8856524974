"""Resolve the tenant from the request host and hold it in scope for the whole request."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from tenancy import tenant_lists, times
from tenancy.context import no_tenant, tenant_context
from tenancy.hosts import resolve
from tenancy.memo import request_memo
from tenancy.selectors import NO_MEMBERSHIP, get_membership

HEALTH_PATHS = frozenset({"/healthz", "/healthz/scheduler"})


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
        if hostname in settings.PLATFORM_HOSTS or request.path in HEALTH_PATHS:
            request.urlconf = settings.PLATFORM_URLCONF
            with no_tenant():
                return self.get_response(request)

        tenant, list_versions = resolve(hostname)
        if tenant is None:
            return HttpResponseNotFound(render_to_string("errors/unknown_host.html", {"host": hostname}))

        request.tenant = tenant
        request.membership = SimpleLazyObject(lambda: get_membership(user=request.user, tenant=tenant))
        with tenant_context(tenant.pk), request_memo():
            if list_versions is not None:
                tenant_lists.remember_versions(tenant.pk, list_versions)
            return self.get_response(request)


MACHINE_PATHS = ("/api/", "/inbound/")


class TimeZoneMiddleware:
    """Show the request's times in its viewer's zone: the signed-in user's own, else the tenant's (tenancy.times).

    Runs after AuthenticationMiddleware. An anonymous session is not asked for its user (a view that never reads
    it would pay the query); a signed-in one has its user loaded by the view's role check anyway. The API and the
    mail endpoint answer machines, in UTC, whoever holds the key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith(MACHINE_PATHS):
            return self.get_response(request)
        session = getattr(request, "session", None)
        user = request.user if session is not None and SESSION_KEY in session else None
        timezone.activate(times.zone_for(user=user, tenant=getattr(request, "tenant", None)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# The session key that says which host a session was created on: "t<tenant id>" on a tenant host (custom
# domains of one tenant share it), "platform" on the platform host.
SESSION_HOST_KEY = "_tessera_host"


def session_owner(request: HttpRequest) -> str:
    """The owner a session must carry to be used on this request's host."""
    tenant = getattr(request, "tenant", None)
    return f"t{tenant.pk}" if tenant is not None else "platform"


class SessionBindingMiddleware:
    """Bind every session to the tenant (or the platform) it was created on, and refuse it anywhere else.

    Users are global, so a session cookie taken on one tenant's host would otherwise sign its user in on
    another's (a tenant with a custom domain could collect and replay them). A session carrying a sign-in
    without this host's binding (another host's, or none: every session from before the binding existed) is
    not used here: the request gets a fresh, empty session instead, so it is anonymous and reads nothing of
    the other one. The other host's session itself is left alone (it is not this host's to end).

    Runs after SessionMiddleware and before AuthenticationMiddleware. Any session written on this host is
    bound to it on the way out, so every sign-in path (password, portal link, hand-over, password reset)
    produces a bound session without each having to remember it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        owner = session_owner(request)
        session = request.session
        bound_to = session.get(SESSION_HOST_KEY)
        if bound_to != owner and (bound_to is not None or SESSION_KEY in session):
            request.session = type(session)()
        response = self.get_response(request)
        session = request.session
        if session.modified and not session.is_empty() and session.get(SESSION_HOST_KEY) != owner:
            session[SESSION_HOST_KEY] = owner
        return response


def max_request_bytes(tenant) -> int:
    """The largest request body a host accepts: MAX_REQUEST_BODY_MB in all, raised so that one file at the
    tenant's own per-file limit always fits (plus a megabyte for the form's other fields)."""
    megabytes = settings.MAX_REQUEST_BODY_MB
    if tenant is not None:
        megabytes = max(megabytes, tenant.max_attachment_mb + 1)
    return megabytes * 1024 * 1024


class RequestSizeMiddleware:
    """Refuse a request whose declared body is too large before anything reads it (the CSRF check, a form or
    an upload handler would read it all first, only to refuse it afterwards). Django reads no further than
    Content-Length, so a body without one, or longer than it says, is never read past the cap either.

    Runs after TenantMiddleware (the cap depends on the tenant) and before everything that reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = max_request_bytes(getattr(request, "tenant", None))
        if not declared.isdigit():
            return self._refuse(request, "The request's Content-Length is not a number.", status=400)
        if int(declared) > limit:
            message = f"What you sent is larger than {limit // (1024 * 1024)} MB, the most one form accepts."
            return self._refuse(request, message, status=413)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
        if request.path.startswith(("/api/", "/inbound/")):
            return JsonResponse({"message": message}, status=status)
        return HttpResponse(render_to_string("errors/too_large.html", {"message": message}), status=status)
