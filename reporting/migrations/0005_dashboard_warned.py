"""The dashboard's at-risk count as an index range under row-level security, and the longest unassigned wait.

0003's index on COALESCE(warn_at, due_at) was read whole under row-level security: a COALESCE of the table's
columns is not leakproof, so PostgreSQL tests it only after the tenant policy, as a filter over every running
target of the tenant, never as the index range. The counts are now two ranges of plain columns, whose comparisons
are leakproof: breached (due_at passed) from reporting_slatarget_due, which replaces 0001's running_due and
carries the ticket (an agent's own count filters on it) and the warning (the at-risk list's walk in due order
tests it), at risk (warn_at passed, due ahead) from reporting_slatarget_warned, which carries what its count reads.

The oldest unassigned open ticket is the first entry of reporting_ticket_unassigned_age; the count of them comes
from the dashboard's one pass over the open tickets. PostgreSQL only, built CONCURRENTLY.
"""

from django.db import migrations

import tenancy.migration_ops

WARNED = (
    "sla_slatarget (tenant_id, warn_at) INCLUDE (due_at, ticket_id) WHERE state = 'running' AND warn_at IS NOT NULL"
)
DUE = "sla_slatarget (tenant_id, due_at) INCLUDE (warn_at, ticket_id) WHERE state = 'running'"
RUNNING_DUE = "sla_slatarget (tenant_id, due_at) WHERE state = 'running'"
UNASSIGNED_AGE = "tickets_ticket (tenant_id, created_at) WHERE is_open AND assignee_id IS NULL"
ATTENTION = (
    "sla_slatarget (tenant_id, (COALESCE(warn_at, due_at))) INCLUDE (warn_at, due_at, ticket_id) "
    "WHERE state = 'running'"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("reporting", "0004_report_indexes")]

    operations = [
        tenancy.migration_ops.PostgresSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_slatarget_due ON {DUE}",
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_slatarget_due",
        ),
        tenancy.migration_ops.PostgresSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_slatarget_running_due",
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_slatarget_running_due ON {RUNNING_DUE}",
        ),
        tenancy.migration_ops.PostgresSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_slatarget_warned ON {WARNED}",
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_slatarget_warned",
        ),
        tenancy.migration_ops.PostgresSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_ticket_unassigned_age ON {UNASSIGNED_AGE}",
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_ticket_unassigned_age",
        ),
        tenancy.migration_ops.PostgresSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_slatarget_attention",
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_slatarget_attention ON {ATTENTION}",
        ),
    ]
