"""Vacuum tickets and SLA targets after 1 % of their rows changed, not PostgreSQL's default 20 %.

The dashboard counts open tickets and running targets from their indexes alone (reporting 0003, 0005), which
holds only while the visibility map marks their pages all-visible. The open tickets and running targets are the
recently written ones, exactly the pages a busy tenant keeps dirty: after 34,000 new tickets (the routing
benchmark) the backlog's index-only scan turned into heap reads until a manual VACUUM. At 1 % a 1,000,000-row
table is vacuumed every ~10,000 changed or inserted rows, which the visibility map makes cheap. PostgreSQL only.
"""

from django.db import migrations

import tenancy.migration_ops

TABLES = ("tickets_ticket", "sla_slatarget")
OPTIONS = (
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_scale_factor",
)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_ticket_facts"), ("sla", "0001_initial")]

    operations = [
        tenancy.migration_ops.PostgresSQL(
            f"ALTER TABLE {table} SET ({', '.join(f'{option} = 0.01' for option in OPTIONS)})",
            f"ALTER TABLE {table} RESET ({', '.join(OPTIONS)})",
        )
        for table in TABLES
    ]
