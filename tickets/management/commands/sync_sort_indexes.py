"""Build and drop the custom fields' sort indexes: `manage.py sync_sort_indexes` as the table owner.

Run it with the migrate job's role (MIGRATION_DATABASE_URL as DATABASE_URL) after `migrate` and on a schedule;
see tickets/custom_fields/sort_indexes.py for why the application's own roles cannot.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tickets.custom_fields import sort_indexes
from tickets.custom_fields.definitions import forget


class Command(BaseCommand):
    help = "Create, rebuild and drop the custom fields' sort indexes (PostgreSQL, as the table owner)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Sort indexes are PostgreSQL indexes; this database is " + connection.vendor + ".")
        connection.ensure_connection()
        connection.set_autocommit(True)  # CREATE INDEX CONCURRENTLY refuses a transaction block
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = "
                "'tickets_ticket'::regclass), 'USAGE')"
            )
            if not cursor.fetchone()[0]:
                raise CommandError("Connect as the owner of tickets_ticket (MIGRATION_DATABASE_URL): DDL needs it.")
            done = sort_indexes.sync(cursor, forget=forget)
        self.stdout.write(f"built {len(done.create)}, dropped {len(done.drop)} sort indexes")
