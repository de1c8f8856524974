"""Slot: the indexes reporting needs (issue 17).

The reports read tickets first answered in a period (first_response_at), resolved tickets (resolved_at), and
the status changes and escalations of a period (events by tenant, kind and time); tickets already had
(tenant, created_at, id) for arrivals. Merged tickets and spam, never counted, are left out by id through
their own small index. A ticket's resolutions and reopens (reporting.reports.data) are looked up per ticket
through two small partial indexes. Partial indexes: only rows with a value are ever looked up."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_storage")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("first_response_at__isnull", False)),
                fields=["tenant", "first_response_at"],
                name="ticket_first_response",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("resolved_at__isnull", False)),
                fields=["tenant", "resolved_at"],
                name="ticket_resolved",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False), ("status", "spam"), _connector="OR"),
                fields=["tenant", "id"],
                name="ticket_merged_or_spam",
            ),
        ),
        migrations.AddIndex(
            model_name="ticketevent",
            index=models.Index(fields=["tenant", "kind", "created_at"], name="ticketevent_kind_created"),
        ),
        migrations.AddIndex(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(
                    ("field", "status"),
                    ("new_value__in", ["resolved", "closed"]),
                    ("old_value__in", ["new", "on_hold", "open", "pending"]),
                ),
                fields=["tenant", "ticket", "created_at"],
                name="ticketevent_resolutions",
            ),
        ),
        migrations.AddIndex(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(
                    ("field", "status"),
                    ("new_value__in", ["new", "on_hold", "open", "pending"]),
                    ("old_value", "resolved"),
                ),
                fields=["tenant", "ticket"],
                name="ticketevent_reopens",
            ),
        ),
    ]
