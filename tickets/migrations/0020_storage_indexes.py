"""Storage (issue 21 item 4, after 0018): indexes sized to what is read of them.

- A ticket's messages and events are found by (tenant, ticket) alone: equal keys, which PostgreSQL's B-tree
  deduplication stores once per ticket with its rows' addresses after it, instead of one (tenant, ticket,
  created_at, id) entry per row. Their order is a sort of one ticket's rows, which every reader loads whole.
- The queue's open list and the open-tickets-in-due-order index hold the open tickets only (and, for the latter,
  the closed ones with a due time that reporting.dashboard.due reads): the closed tickets, most of the table, were
  never read through them.
- ticket_first_response duplicated reporting_ticket_answered (same key and predicate, reporting 0004) and
  ticket_resolved was read by nothing (the reports read resolutions from the events and reporting.facts).
- The nullable foreign keys' own indexes (a message's or event's author, a ticket's merged_into), which only the
  constraints' checks on a parent's delete read, hold the rows where the key is set: `= value` implies it.

Safe on a live table: atomic = False, every index is built and dropped CONCURRENTLY on PostgreSQL (the new ones
before the old ones go), no table is rewritten and no constraint is re-validated. A failed concurrent build leaves
an INVALID index: drop it, then migrate again. SQLite (the demo) gets plain CREATE/DROP INDEX.
"""

import django.db.models.deletion
from django.db import migrations, models

from tenancy.migration_ops import AddIndexOnline, DropFieldIndexOnline, RemoveIndexOnline


def _own_index_dropped(model_name: str, name: str, field) -> migrations.SeparateDatabaseAndState:
    """The field loses its own index; its foreign-key constraint stays as it is (Django's AlterField would drop
    and re-validate it)."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[DropFieldIndexOnline(model_name, name)],
    )


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY run outside a transaction

    dependencies = [
        ("tenancy", "0011_agent_figures"),
        ("tickets", "0019_reporting_indexes"),
    ]

    operations = [
        AddIndexOnline(
            model_name="message",
            index=models.Index(fields=["tenant", "ticket"], name="message_ticket"),
        ),
        AddIndexOnline(
            model_name="ticketevent",
            index=models.Index(fields=["tenant", "ticket"], name="ticketevent_ticket"),
        ),
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["tenant", "queue", "next_due_at", "id"],
                name="ticket_queue_open",
            ),
        ),
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_open", True), ("next_due_at__isnull", False), _connector="OR"),
                fields=["tenant", "is_open", "next_due_at", "id"],
                name="ticket_open_or_due",
            ),
        ),
        AddIndexOnline(
            model_name="message",
            index=models.Index(
                condition=models.Q(("author_membership__isnull", False)),
                fields=["author_membership"],
                name="message_author_member",
            ),
        ),
        AddIndexOnline(
            model_name="message",
            index=models.Index(
                condition=models.Q(("author_contact__isnull", False)),
                fields=["author_contact"],
                name="message_author_contact",
            ),
        ),
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)), fields=["merged_into"], name="ticket_merged_into"
            ),
        ),
        AddIndexOnline(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(("actor_membership__isnull", False)),
                fields=["actor_membership"],
                name="ticketevent_actor_member",
            ),
        ),
        AddIndexOnline(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(("actor_contact__isnull", False)),
                fields=["actor_contact"],
                name="ticketevent_actor_contact",
            ),
        ),
        RemoveIndexOnline(model_name="message", name="message_ticket_created"),
        RemoveIndexOnline(model_name="ticketevent", name="ticketevent_ticket_created"),
        RemoveIndexOnline(model_name="ticket", name="ticket_queue_due"),
        RemoveIndexOnline(model_name="ticket", name="ticket_open_due"),
        RemoveIndexOnline(model_name="ticket", name="ticket_first_response"),
        RemoveIndexOnline(model_name="ticket", name="ticket_resolved"),
        _own_index_dropped(
            "message",
            "author_contact",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tickets.contact",
            ),
        ),
        _own_index_dropped(
            "message",
            "author_membership",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.membership",
            ),
        ),
        _own_index_dropped(
            "ticket",
            "merged_into",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tickets.ticket",
            ),
        ),
        _own_index_dropped(
            "ticketevent",
            "actor_contact",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tickets.contact",
            ),
        ),
        _own_index_dropped(
            "ticketevent",
            "actor_membership",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.membership",
            ),
        ),
    ]
