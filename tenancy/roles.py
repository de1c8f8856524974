"""Roles inside a tenant, and the one place that checks them for views."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def is_staff(self) -> bool:
        return self.rank >= _RANKS[Role.AGENT]

    def at_least(self, minimum: str) -> bool:
        return self.rank >= Role(minimum).rank


_RANKS = {Role.CUSTOMER: 0, Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def check_role(request: HttpRequest, minimum: str):
    """Return None when the member may pass, else the response or exception that answers the request.

    Anonymous users are sent to sign in. Signed-in people with no staff membership in this tenant get a 404:
    staff pages do not exist for them. Staff below the needed role get a 403.
    """
    if getattr(request, "tenant", None) is None:
        raise Http404("No such page.")
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login  # auth.views needs the user model loaded

        return redirect_to_login(request.get_full_path())
    membership = request.membership
    if membership is None or not membership.is_active:
        raise Http404("No such page.")
    if Role(minimum).is_staff and not membership.is_staff_member:
        raise Http404("No such page.")
    if not membership.has_role(minimum):
        raise PermissionDenied(f"This page needs the {Role(minimum).label.lower()} role.")
    return None


def role_required(minimum: str) -> Callable:
    """Decorate a view so only members with at least `minimum` reach it."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            refused = check_role(request, minimum)
            return refused if refused is not None else view(request, *args, **kwargs)

        wrapped.min_role = Role(minimum)
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a tenant-host view as open to anyone (the role-gating test requires every view to say)."""
    view.min_role = None
    return view


class RoleRequiredMixin:
    """Class-based views: set `min_role`; same rules as `role_required`."""

    min_role: str = Role.AGENT

    def dispatch(self, request, *args, **kwargs):
        refused = check_role(request, self.min_role)
        return refused if refused is not None else super().dispatch(request, *args, **kwargs)
