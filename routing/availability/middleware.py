"""Note that a staff member is using the desk, for the idle-to-away rule (routing.availability.services).

Runs after the view, in its own transaction, at most once a minute per member (a cache key); an error is
logged, never shown. What counts as activity: any request of a signed-in staff member except htmx GETs, which
are the page's own polling (presence, the bell, the SLA panel) and go on while nobody is at the desk."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from routing.availability.services import note_activity

logger = logging.getLogger(__name__)
THROTTLE_SECONDS = 60

# (tenant id, membership id) -> when this process may ask the shared cache again. The shared key alone cost a
# Redis round trip on every desk request; this process asks it at most once a minute per member, so a member's
# activity is noted at most a minute later than with the shared key alone (the idle rule counts in minutes).
_ASKED: dict[tuple[int, int], float] = {}
_ASKED_MAX = 10_000


class ActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        if tenant is None or (request.method == "GET" and request.headers.get("HX-Request")):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            # Still inside TenantMiddleware's tenant context; the cache key carries the tenant (tenancy.cache).
            membership = request.membership
            if (
                getattr(membership, "is_staff_member", False)
                and _ask_now(tenant.pk, membership.pk)
                and cache.add(f"routing:active:{membership.pk}", 1, THROTTLE_SECONDS)
            ):
                note_activity(membership_id=membership.pk)
        except Exception:
            logger.exception("Could not record desk activity")
        return response


def _ask_now(tenant_id: int, membership_id: int) -> bool:
    """Whether this process has not asked the shared cache about this member within THROTTLE_SECONDS."""
    now = time.monotonic()
    key = (tenant_id, membership_id)
    if _ASKED.get(key, 0.0) > now:
        return False
    if len(_ASKED) >= _ASKED_MAX:
        _ASKED.clear()
    _ASKED[key] = now + THROTTLE_SECONDS
    return True
