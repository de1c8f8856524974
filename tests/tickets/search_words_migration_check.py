"""Migrate a scratch database to tickets 0021, write tickets of two tenants whose vectors hold stop words (as
0018's trigger and the services wrote them), migrate to 0022 in batches of two tickets and check the vectors.

Run by tests/tickets/test_search_stop_words.py in a subprocess, as the owner role (it migrates):
    DATABASE_URL=postgres://owner@.../scratch python -m tests.tickets.search_words_migration_check
Prints one line per check and exits non-zero if one fails.
"""

from __future__ import annotations

import importlib
import os
import sys

SUBJECTS = ["The printer is broken", "Scanner is not working", "A lamp", "The", "Paper jam at the front desk"]
BODIES = ["It is not working at all.", "Have you tried the lever?", "", "The the the", "Tray stuck in the middle."]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("tickets.migrations.0022_search_stop_words_s3")
    migration.BATCH = 2  # several batches per tenant, one ticket left over

    call_command("migrate", "tickets", "0021", verbosity=0)
    apps = MigrationExecutor(connection).loader.project_state(("tickets", "0021_search_requesters")).apps
    Tenant = apps.get_model("tenancy", "Tenant")
    Contact, Queue, Ticket = (apps.get_model("tickets", name) for name in ("Contact", "Queue", "Ticket"))
    tickets = []
    for slug in ("old", "older"):
        tenant = Tenant.objects.create(name=slug.title(), slug=slug)
        with connection.cursor() as cursor:  # row-level security: the tenant's rows only with its setting
            cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant.pk)])
        contact = Contact.objects.create(tenant=tenant, email=f"pat@{slug}.example", name="Pat")
        queue = Queue.objects.create(tenant=tenant, name="General", is_default=True)
        for number, (subject, body) in enumerate(zip(SUBJECTS, BODIES, strict=True), start=1):
            ticket = Ticket.objects.create(tenant=tenant, number=number, subject=subject, contact=contact, queue=queue)
            with connection.cursor() as cursor:  # a message's words appended the old way
                cursor.execute(
                    "UPDATE tickets_ticket SET search_vector = search_vector || "
                    "setweight(to_tsvector('simple', %s), 'B') WHERE id = %s",
                    [body, ticket.pk],
                )
            tickets.append((tenant.pk, ticket.pk, subject, body))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '', false)")

    call_command("migrate", "tickets", "0022", verbosity=0)

    checks = []
    with connection.cursor() as cursor:
        for tenant_id, pk, subject, body in tickets:
            cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_id)])
            cursor.execute(
                "SELECT search_vector = setweight(to_tsvector('tessera_search', %s), 'A') "
                "|| setweight(to_tsvector('tessera_search', %s), 'B'), search_vector::text "
                "FROM tickets_ticket WHERE id = %s",
                [subject, body, pk],
            )
            same, text = cursor.fetchone()
            checks.append((f"ticket {pk} ({subject!r}) as a fresh vector: {text}", same))
        cursor.execute(
            "SELECT count(*) FROM tickets_ticket WHERE search_vector @@ to_tsquery('simple', 'the | is | not | a')"
        )
        checks.append(("no stop word left", cursor.fetchone()[0] == 0))
        cursor.execute(
            "SELECT count(*) FROM tickets_ticket "
            "WHERE tenant_id = %s AND search_vector @@ websearch_to_tsquery('tessera_search', %s)",
            [tenant_id, '"printer is broken"'],
        )
        checks.append(("a phrase across a stop word still matches", cursor.fetchone()[0] == 1))
        # a second run (a migration interrupted and run again) changes nothing
        cursor.execute("SELECT sum(length(search_vector::text)) FROM tickets_ticket")
        before = cursor.fetchone()[0]
        migration.drop_stop_words(None, connection.schema_editor())
        cursor.execute("SELECT sum(length(search_vector::text)) FROM tickets_ticket")
        checks.append(("running it again changes nothing", cursor.fetchone()[0] == before))
        cursor.execute("SELECT set_config('app.tenant_id', '', false)")

    call_command("migrate", "tickets", "0021", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_ts_config WHERE cfgname = 'tessera_search'")
        checks.append(("backwards: the configuration is gone", cursor.fetchone()[0] == 0))
        cursor.execute(
            "SELECT prosrc LIKE '%%''simple''%%' FROM pg_proc WHERE proname = 'tickets_ticket_search_vector'"
        )
        checks.append(("backwards: the trigger reads 'simple' again", cursor.fetchone()[0]))
    call_command("migrate", "tickets", verbosity=0)

    failed = False
    for name, ok in checks:
        print(("ok   " if ok else "FAIL ") + name)
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
