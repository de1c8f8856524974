"""Tickets' statistics are gathered at PostgreSQL's default (10 % of the rows changed), not at 1 % (0007).

0007 lowered all three thresholds so that vacuum keeps recent pages all-visible for the dashboard's index-only
counts; that reason holds for vacuum, not for ANALYZE. The search vector's statistics target is 1,000
(tickets 0003: the strategy picker and the pair tokens read its common words), which makes every ANALYZE of
tickets sample 300,000 rows and count their lexemes: at 1,000,000 tickets one run took 24.8 s of a core (33 s
elapsed). At 1 % it ran every ~10,000 changed rows, which a desk opening 100 tickets a second (each written about
four times) reaches every 25 s: a core spent on statistics that barely move. At 10 % it runs every ~100,000.
Vacuum stays at 1 %. PostgreSQL only.
"""

from django.db import migrations

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_staff_replies_deduplicated")]

    operations = [
        tenancy.migration_ops.PostgresSQL(
            "ALTER TABLE tickets_ticket RESET (autovacuum_analyze_scale_factor)",
            "ALTER TABLE tickets_ticket SET (autovacuum_analyze_scale_factor = 0.01)",
        )
    ]
