"""What every API endpoint shares: the key gate, and the JSON 404 for any other URL under /api/."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse

from tickets.api.authentication import ApiClient


class KeyGated:
    """API views are gated by the API key (authentication and permission classes), not by a session role;
    the role-gating test reads `min_role`, and None says "not a session page"."""

    min_role = None
    model: type[Model]

    @property
    def client(self) -> ApiClient:
        return self.request.user

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular reads the model to write the schema, also at start-up with no tenant in scope:
            # an empty queryset made without the tenant-scoped manager.
            return QuerySet(self.model).none()
        return self.key_queryset()

    def key_queryset(self) -> QuerySet:
        return self.model.objects.all()


def no_such_endpoint(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other URL under /api/: a JSON 404 (clients parse JSON), with a hint for a missing trailing slash."""
    hint = " API URLs end with a slash." if not rest.endswith("/") else ""
    return JsonResponse({"message": f"No such API endpoint.{hint} See /api/docs/.", "errors": {}}, status=404)


no_such_endpoint.min_role = None
