"""Give the application and platform roles their table privileges after every migrate (PostgreSQL only).

Migrations run as the owner role. The application role reads and writes rows under row-level security; where
a table decides who is platform staff or what Django's permissions allow, it may only read: those are written
by the platform role (the admin, on the platform connection) or the owner. `tenancy_user` itself stays writable
(sign-up, password reset and change save the whole row) and a trigger keeps its platform-staff flags
(`is_staff`, `is_superuser`) out of the application role's reach (migration tenancy 0004).

Two more tables hold no tenant but are written on every sign-in, so the application role writes them:
`django_session` stores a digest of each session key, never the key (tenancy.sessions), so reading it gives
nothing to replay; the axes tables hold sign-in attempts (address, user agent, the name typed) and are pruned
by django-axes itself.
"""

from django.conf import settings
from django.db import connections

from tenancy.models import Tenant

READ_ONLY_FOR_APPLICATION = frozenset(
    {
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "django_admin_log",
        "django_content_type",
        "django_migrations",
        "tenancy_user_groups",
        "tenancy_user_user_permissions",
        # The search's common words (tickets.search_pairs): written by the management command on the platform
        # connection; the application's trigger and queries only read them.
        "tickets_searchpairs",
    }
)


def grant_application_roles(*, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Only the owner can grant; post_migrate also fires after a test flush, which runs as the app role.
        cursor.execute(
            "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename = %s",
            [Tenant._meta.db_table],
        )
        row = cursor.fetchone()
        if not row or not row[0]:
            return
        platform_role = settings.DATABASES.get("platform", {}).get("USER")
        cursor.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [[settings.DATABASE_APP_ROLE, platform_role]]
        )
        roles = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row[0] for row in cursor.fetchall())
        quote = connection.ops.quote_name
        for role in roles:
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        if platform_role in roles:
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(platform_role)}"
            )
        if settings.DATABASE_APP_ROLE in roles:
            app_role = quote(settings.DATABASE_APP_ROLE)
            for table in tables:
                read_only = table in READ_ONLY_FOR_APPLICATION
                cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {app_role}")
                privileges = "SELECT" if read_only else "SELECT, INSERT, UPDATE, DELETE"
                cursor.execute(f"GRANT {privileges} ON {quote(table)} TO {app_role}")
