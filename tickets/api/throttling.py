"""Rate limit per API key (settings.API_RATE_LIMIT, e.g. "600/min"), counted in the shared cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from tickets.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT  # read per request, so a changed setting applies at once

    def get_cache_key(self, request, view) -> str | None:
        # Only keyed requests reach the throttle with an ApiKey; the schema and docs pages are not limited.
        return f"api-throttle:{request.auth.pk}" if isinstance(request.auth, ApiKey) else None
