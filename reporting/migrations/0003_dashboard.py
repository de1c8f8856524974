"""The dashboard's two heaviest figures, measured at 800,000 tickets (docs/benchmarks.md, "Reporting: the dashboard"):

- the open backlog per queue and status counts every open ticket: a partial index on (tenant, queue, status,
  assignee) of the open tickets alone serves the GROUP BY from the index, an agent's part of it (their queues or
  their own tickets) included (the wider ticket_queue_status_due holds closed tickets too, seven in eight of its
  entries);
- the at-risk and breached counts read the running targets past their warning: the index on that moment now also
  carries warn_at, due_at and ticket_id, so the range is read from the index without visiting the table
  (PostgreSQL only: SQLite has no INCLUDE, and the demo keeps 0001's index).
"""

from django.db import migrations

import tenancy.migration_ops

ATTENTION = (
    "CREATE INDEX IF NOT EXISTS reporting_slatarget_attention ON sla_slatarget "
    "(tenant_id, (COALESCE(warn_at, due_at))) INCLUDE (warn_at, due_at, ticket_id) WHERE state = 'running'"
)
WARNED = (
    "CREATE INDEX IF NOT EXISTS reporting_slatarget_running_warned "
    "ON sla_slatarget (tenant_id, (COALESCE(warn_at, due_at))) WHERE state = 'running'"
)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_reports")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reporting_ticket_open_backlog "
            "ON tickets_ticket (tenant_id, queue_id, status, assignee_id) WHERE is_open",
            "DROP INDEX IF EXISTS reporting_ticket_open_backlog",
        ),
        tenancy.migration_ops.PostgresSQL(
            [ATTENTION, "DROP INDEX IF EXISTS reporting_slatarget_running_warned"],
            [WARNED, "DROP INDEX IF EXISTS reporting_slatarget_attention"],
        ),
    ]
