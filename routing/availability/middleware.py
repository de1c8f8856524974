"""Note that a staff member is using the desk, for the idle-to-away rule (routing.availability.services).

Runs after the view, in its own transaction, at most once a minute per member (a cache key); an error is
logged, never shown. What counts as activity: any request of a signed-in staff member except htmx GETs, which
are the page's own polling (presence, the bell, the SLA panel) and go on while nobody is at the desk."""

from __future__ import annotations

import logging

from django.core.cache import cache

from routing.availability.services import note_activity

logger = logging.getLogger(__name__)
THROTTLE_SECONDS = 60


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
            if getattr(membership, "is_staff_member", False) and cache.add(
                f"routing:active:{membership.pk}", 1, THROTTLE_SECONDS
            ):
                note_activity(membership_id=membership.pk)
        except Exception:
            logger.exception("Could not record desk activity")
        return response
