"""Assignment decisions indexed by the feed entry that caused them: a drain batch asks which of its entries were
decided already (routing.batch), and without the index every batch read the whole table (12 ms a batch at 40,000
decisions, growing with it). Built CONCURRENTLY on PostgreSQL: the table takes writes meanwhile."""

from django.db import migrations, models

from tenancy.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("routing", "0003_assignment"),
        ("tenancy", "0011_agent_figures"),
        ("tickets", "0025_search_phrase_pairs"),
    ]

    operations = [
        AddIndexOnline(
            model_name="assignmentdecision",
            index=models.Index(
                condition=models.Q(("entry_id__isnull", False)),
                fields=["tenant", "entry_id"],
                name="routing_assigndec_entry",
            ),
        ),
    ]
