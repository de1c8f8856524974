"""Give the application and bypass roles their table privileges after every migrate (PostgreSQL only).

Migrations run as the owner role; the application role only reads and writes rows, under row-level security.
"""

from django.conf import settings
from django.db import connections

from tenancy.models import Tenant


def grant_application_roles(*, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DATABASE_GRANT_ROLES:
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
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [settings.DATABASE_GRANT_ROLES])
        roles = [row[0] for row in cursor.fetchall()]
        for role in roles:
            quoted = connection.ops.quote_name(role)
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
