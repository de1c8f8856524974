"""A ticket's public replies by staff (quality: first-contact resolution counts them per ticket) indexed by
(tenant, ticket) alone, without 0004's INCLUDE (id): an index with INCLUDE columns cannot be deduplicated, so
every reply had an entry of its own; now PostgreSQL stores the key once per ticket with its rows after it (issue 21
item 4). The count reads count(*) (reporting.reports.data.agent_replies), still from the index alone.
PostgreSQL only, built CONCURRENTLY under a new name before the old one is dropped.
"""

from django.db import migrations

import tenancy.migration_ops

PREDICATE = "WHERE kind = 'reply' AND author_membership_id IS NOT NULL"
OLD = f"tickets_message (tenant_id, ticket_id) INCLUDE (id) {PREDICATE}"
NEW = f"tickets_message (tenant_id, ticket_id) {PREDICATE}"


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY run outside a transaction

    dependencies = [("reporting", "0007_vacuum_often"), ("tickets", "0020_storage_indexes")]

    operations = [
        tenancy.migration_ops.PostgresSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_message_staff_reply ON {NEW}",
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_message_staff_reply",
        ),
        tenancy.migration_ops.PostgresSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_message_staff_replies",
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_message_staff_replies ON {OLD}",
        ),
    ]
