"""Storage (issue 21): the ticket keeps no copy of its conversation, a message body is stored once, and foreign
keys that a (tenant, column) index and the same-tenant key already serve lose their own index and constraint.

- `Ticket.search_text` and `Ticket.description` go. The search vector already holds the subject's words (A) and
  the conversation's (B); from now on the trigger writes the subject's words in front of the row's weight-B words
  on INSERT and on UPDATE OF subject, and the services append each message's words (tickets.search_index). The
  existing vectors are already in that shape: nothing is recomputed.
- `Message.body_text` goes: the sanitised HTML is the one copy, its text derived where needed. A message whose
  HTML is empty but whose text is not (none is made so by the services; an import might have) gets its HTML
  rendered from the text first.
- Custom fields get sort_indexed / sort_index_state / sort_index_note (issue 13: a field's sort index).
- The single-column indexes and constraints of Ticket.contact, Ticket.queue, Ticket.assignee, Message.ticket and
  TicketEvent.ticket go: each column is covered by an index led by (tenant, column) and enforced by the
  composite same-tenant foreign key (tenancy.migration_ops.TenantSecurity), whose checks on a parent's delete
  use that index (and Django's collector queries carry the tenant).
"""

import django.db.models.deletion
from django.db import migrations, models

from tenancy.migration_ops import PostgresSQL, each_tenant

SUBJECT_TRIGGER = """
DROP TRIGGER IF EXISTS ticket_search_vector ON tickets_ticket;
CREATE OR REPLACE FUNCTION tickets_ticket_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The subject's words (A) in front of the conversation's (B), which the services append in SQL: the
    -- ticket keeps no text copy of the conversation to rebuild them from.
    NEW.search_vector := setweight(to_tsvector('simple', coalesce(NEW.subject, '')), 'A')
        || ts_filter(coalesce(NEW.search_vector, ''::tsvector), '{b}');
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_search_vector BEFORE INSERT OR UPDATE OF subject
    ON tickets_ticket FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_vector();
"""

TEXT_TRIGGER = """
DROP TRIGGER IF EXISTS ticket_search_vector ON tickets_ticket;
CREATE OR REPLACE FUNCTION tickets_ticket_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('simple', coalesce(NEW.subject, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(NEW.search_text, '')), 'B');
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_search_vector BEFORE INSERT OR UPDATE OF subject, search_text
    ON tickets_ticket FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_vector();
"""


def render_missing_html(apps, schema_editor):
    """HTML for any message that has only text, before the text column goes (row-level security is forced even
    for the owner: tenant by tenant)."""
    from tickets.content import render_plain_text

    connection = schema_editor.connection
    for _ in each_tenant(schema_editor):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, body_text FROM tickets_message WHERE body_html = '' AND body_text <> ''")
            rows = cursor.fetchall()
            for pk, text in rows:
                cursor.execute("UPDATE tickets_message SET body_html = %s WHERE id = %s", [render_plain_text(text), pk])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0017_routing_fields")]

    operations = [
        PostgresSQL(sql=SUBJECT_TRIGGER, reverse_sql=TEXT_TRIGGER),
        migrations.RunPython(render_missing_html, migrations.RunPython.noop),
        migrations.RemoveField(model_name="message", name="body_text"),
        migrations.RemoveField(model_name="ticket", name="description"),
        migrations.RemoveField(model_name="ticket", name="search_text"),
        migrations.AlterField(
            model_name="message",
            name="ticket",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.membership",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="contact",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="tickets.contact",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="queue",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="tickets.queue",
            ),
        ),
        # Issue 13: an admin may ask for a custom field's sort index (tickets.custom_fields.sort_indexes).
        migrations.AddField(
            model_name="customfield",
            name="sort_index_note",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="customfield",
            name="sort_index_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not indexed"),
                    ("pending", "Waiting to be built"),
                    ("ready", "Ready"),
                    ("failed", "Failed"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="customfield",
            name="sort_indexed",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="ticket",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="tickets.ticket",
            ),
        ),
    ]
