"""Migrate a scratch database to tickets 0017, write tickets and messages the old way (a text copy of the
conversation on the ticket, a message with text only), migrate to 0018 and check what the data became.

Run by tests/tickets/test_storage_migration.py in a subprocess, as the owner role (it migrates):
    DATABASE_URL=postgres://owner@.../scratch python -m tests.tickets.storage_migration_check
Prints one line per check and exits non-zero on the first that fails.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    call_command("migrate", "tickets", "0017", verbosity=0)
    apps = MigrationExecutor(connection).loader.project_state(("tickets", "0017_routing_fields")).apps
    Tenant = apps.get_model("tenancy", "Tenant")
    Contact, Queue = apps.get_model("tickets", "Contact"), apps.get_model("tickets", "Queue")
    Ticket, Message = apps.get_model("tickets", "Ticket"), apps.get_model("tickets", "Message")
    tenant = Tenant.objects.create(name="Old", slug="old")
    with connection.cursor() as cursor:  # row-level security: the tenant's rows only with its setting
        cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant.pk)])
    contact = Contact.objects.create(tenant=tenant, email="pat@example.com", name="Pat")
    queue = Queue.objects.create(tenant=tenant, name="General", is_default=True)
    ticket = Ticket.objects.create(
        tenant=tenant,
        number=1,
        subject="Printer jammed",
        description="The tray is stuck",
        search_text="The tray is stuck\nTried the reset lever",
        contact=contact,
        queue=queue,
    )
    Message.objects.create(tenant=tenant, ticket=ticket, body_html="<p>The tray is stuck</p>", body_text="x")
    only_text = Message.objects.create(
        tenant=tenant, ticket=ticket, body_html="", body_text="Tried the reset lever\n<b>twice</b> & more"
    )

    call_command("migrate", "tickets", "0018", verbosity=0)

    checks = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant.pk)])
        cursor.execute("SELECT body_html FROM tickets_message WHERE id = %s", [only_text.pk])
        html = cursor.fetchone()[0]
        checks.append(("text-only message got its HTML, escaped", "twice" in html and "<b>" not in html))
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name IN ('tickets_ticket', 'tickets_message') "
            "AND column_name IN ('search_text', 'description', 'body_text')"
        )
        checks.append(("text copies dropped", cursor.fetchone()[0] == 0))
        for word in ("printer", "tray", "lever"):
            cursor.execute(
                "SELECT count(*) FROM tickets_ticket WHERE search_vector @@ to_tsquery('simple', %s)", [word]
            )
            checks.append((f"old vector still finds {word!r}", cursor.fetchone()[0] == 1))
        cursor.execute("UPDATE tickets_ticket SET subject = 'Scanner jammed' WHERE id = %s", [ticket.pk])
        for word, expected in (("scanner", 1), ("printer", 0), ("lever", 1)):
            cursor.execute(
                "SELECT count(*) FROM tickets_ticket WHERE search_vector @@ to_tsquery('simple', %s)", [word]
            )
            checks.append((f"after renaming, {word!r} found {expected}", cursor.fetchone()[0] == expected))
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'tickets_ticket_contact_id%%' "
            "OR indexname LIKE 'tickets_message_ticket_id%%'"
        )
        checks.append(("covered single-column indexes dropped", cursor.fetchone()[0] == 0))
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conname = 'tickets_ticket_contact_id_same_tenant' AND contype = 'f'"
        )
        checks.append(("the same-tenant key still guards the contact", cursor.fetchone()[0] == 1))
    failed = False
    for label, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {label}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
