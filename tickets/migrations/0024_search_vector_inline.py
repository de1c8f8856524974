"""A ticket's search vector is kept in its row, compressed, instead of out of line in TOAST (issue 21 item 2).

A vector past ~2 KB (a ticket of a hundred distinct words or more: a long conversation) went to the TOAST table,
and every row a search walks in the list's order then cost a TOAST index lookup and a chunk read before its
words could be tested. On a copy of 200,000 Zipf-seeded tickets (`seed_bench --zipf`, 45 % of the vectors out of
line) testing a word on every row took 1.4-2.0 s out of line and 0.56-0.68 s in line, and the copy was 4 % smaller
(404 against 423 MB: no chunk headers, no TOAST index). STORAGE MAIN compresses a large vector in the row and
moves it out only when the row still would not fit in a page. Rows written from now on are stored so; existing
ones move as their tickets are saved (every new message rewrites the vector) or at once with `VACUUM FULL
tickets_ticket` (or pg_repack, online). SQLite (the demo) keeps no vector.
"""

from django.db import migrations

from tenancy.migration_ops import PostgresSQL


class Migration(migrations.Migration):
    dependencies = [("tickets", "0023_message_tenant_primary_key_s3")]

    operations = [
        PostgresSQL(
            "ALTER TABLE tickets_ticket ALTER COLUMN search_vector SET STORAGE MAIN",
            reverse_sql="ALTER TABLE tickets_ticket ALTER COLUMN search_vector SET STORAGE EXTENDED",
        )
    ]
