"""Sign-in helpers."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS, connections

from tenancy.context import no_tenant
from tenancy.models import normalize_email
from tenancy.prepared import prepared


def throttle_username(request, credentials=None) -> str:
    """The account django-axes counts failures against: the normalised email, so "AGENT@x" counts as "agent@x"."""
    source = credentials if credentials else getattr(request, "POST", {})
    return normalize_email(source.get("username") or "")


USER_BACKEND = "tenancy.auth.UserBackend"  # what a sign-in names in the session


class UserBackend(ModelBackend):
    """Django's model backend, reading a session's user outside the tenant's scope when no transaction is open.

    A user row is platform data: tenancy_user has no row-level security. The middleware reads the session's user
    before the view's transaction opens, and outside a transaction the scoped connection runs each statement in a
    transaction of its own to carry the tenant setting (tenancy.db.postgresql): every signed-in request paid
    BEGIN, the setting and COMMIT around this one SELECT. Inside a transaction it runs there, as before."""

    def get_user(self, user_id):
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return self._get_user(user_id)
        with no_tenant():
            return self._get_user(user_id)

    def _get_user(self, user_id):
        """ModelBackend.get_user with its query compiled once per process (tenancy.prepared): every signed-in
        request reads its user."""
        users = prepared("session_user", _user_by_pk, user_id)
        user = users[0] if users else None
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_by_pk(user_id: int):
    return get_user_model()._default_manager.filter(pk=user_id)
