"""What a key's role allows: every staff role reads and writes tickets, messages and notes, and reads
contacts, organisations, categories and queues; supervisors and admins also manage contacts and organisations."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenancy.roles import Role
from tickets.api.authentication import ApiClient


class IsApiKey(BasePermission):
    message = "This needs an API key."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ApiClient) and request.user.has_role(Role.AGENT)


class ManagesDirectory(IsApiKey):
    message = "Changing contacts and organisations needs a key with the supervisor or admin role."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.has_role(Role.SUPERVISOR)
