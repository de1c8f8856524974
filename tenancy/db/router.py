"""Send the ORM to the platform connection inside `unscoped()`, and only there.

The application role that serves requests cannot step around row-level security: it is neither BYPASSRLS nor a
member of any role that is, so even injected raw SQL (`SET ROLE ...`) sees one tenant at most. Cross-tenant
platform code runs on a second connection, the `platform` alias, which logs in as its own BYPASSRLS role;
`unscoped()` opens that connection's transaction and this router sends every query there while it lasts.

Outside `unscoped()` every query goes to `default`, even for an instance that was loaded on the platform
connection (Django would otherwise save it back where it came from, around the policy). Migrations never run on
the platform alias: they run as the owner, in their own process. Without a `platform` alias (SQLite: the demo,
which has no row-level security) there is no router and `unscoped()` only lifts the managers' filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from tenancy.context import is_unscoped
from tenancy.db.scope import PLATFORM


def platform_configured() -> bool:
    return PLATFORM in settings.DATABASES


def scope_alias() -> str:
    """The database alias that queries of the current scope use (for raw SQL: `connections[scope_alias()]`)."""
    return PLATFORM if is_unscoped() and platform_configured() else DEFAULT_DB_ALIAS


class PlatformRouter:
    def db_for_read(self, model, **hints) -> str:
        return scope_alias()

    def db_for_write(self, model, **hints) -> str:
        return scope_alias()

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == PLATFORM else None
