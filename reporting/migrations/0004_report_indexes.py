"""The reports over 90 days at 800,000 tickets (docs/benchmarks.md, "Reporting: the reports over 90 days"), each
index read from its own columns (index-only) where the plan visited the table for one column:

- the status changes of a period (volume: open backlog flows, resolutions per bucket; speed and agents: the
  period's resolutions) carry the ticket, the old and the new value;
- whether a resolution has a later or an earlier one (first and final resolution, once per resolution of the
  period): the ticketevent_resolutions index of tickets 0019 lacks the kind in its predicate, so each probe read
  the event row to check it; this one's predicate is reporting.reports.data.RESOLUTION_Q word for word;
- the SLA targets decided in a period (SLA and agents reports) carry what they are grouped and counted by;
- a ticket's finished target of a kind (speed: business seconds) carries its seconds;
- the open tickets by age (speed's backlog ages, volume's open count) and the tickets first answered in a period
  (speed and agents), with the columns those reports read and leave merged and spam tickets out by;
- a ticket's public replies by staff (quality: first-contact resolution counts them per resolved ticket);
- the ticket each of those rows joins (up to 170,000 a report) carries what the reports read of it: its creation,
  whether it is open, and what they group by (assignee, team, queue, priority), so the join reads no table page.

With them, extended statistics on the four columns those predicates test together: without them PostgreSQL
multiplies the columns' selectivities and expects a hundredth of the rows (then hashes every resolution of the
tenant instead of probing). PostgreSQL only, built CONCURRENTLY (the events table is the largest): the demo's
SQLite keeps the plain indexes. Additive: the code before it runs unchanged.
"""

from django.db import migrations

import tenancy.migration_ops

STATUS_KINDS = "('status_changed', 'reopened', 'customer_replied_while_pending')"
RESOLUTION = (
    f"field = 'status' AND kind IN {STATUS_KINDS} AND old_value IN ('new', 'on_hold', 'open', 'pending') "
    "AND new_value IN ('resolved', 'closed')"
)
INDEXES = {
    "reporting_ticketevent_status_time": (
        "tickets_ticketevent (tenant_id, created_at) INCLUDE (ticket_id, old_value, new_value, id) "
        f"WHERE field = 'status' AND kind IN {STATUS_KINDS}"
    ),
    "reporting_ticketevent_resolution": f"tickets_ticketevent (tenant_id, ticket_id, created_at) WHERE {RESOLUTION}",
    "reporting_slatarget_decided": (
        "sla_slatarget (tenant_id, met_at) INCLUDE (state, kind, policy_id, ticket_id, seconds_to_met, id) "
        "WHERE state IN ('met', 'breached')"
    ),
    "reporting_ticket_facts": (
        "tickets_ticket (tenant_id, id) INCLUDE (created_at, is_open, assignee_id, team_id, queue_id, priority)"
    ),
    "reporting_ticket_open_age": (
        "tickets_ticket (tenant_id, created_at) INCLUDE (merged_into_id, status, id) WHERE is_open"
    ),
    "reporting_ticket_answered": (
        "tickets_ticket (tenant_id, first_response_at) INCLUDE (created_at, merged_into_id, status, assignee_id, "
        "team_id, id) WHERE first_response_at IS NOT NULL"
    ),
    "reporting_message_staff_replies": (
        "tickets_message (tenant_id, ticket_id) INCLUDE (id) WHERE kind = 'reply' AND author_membership_id IS NOT NULL"
    ),
    "reporting_slatarget_finished": (
        "sla_slatarget (tenant_id, ticket_id, kind) INCLUDE (seconds_to_met) WHERE state IN ('met', 'breached')"
    ),
}
STATISTICS = "reporting_ticketevent_status_stats"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("reporting", "0003_dashboard"), ("tickets", "0019_reporting_indexes"), ("sla", "0003_automation")]

    operations = [
        *(
            tenancy.migration_ops.PostgresSQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ),
        tenancy.migration_ops.PostgresSQL(
            [
                f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON field, kind, old_value, new_value "
                "FROM tickets_ticketevent",
                "ANALYZE tickets_ticketevent",
            ],
            [f"DROP STATISTICS IF EXISTS {STATISTICS}"],
        ),
    ]
