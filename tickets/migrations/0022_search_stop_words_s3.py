"""English stop words out of the tickets' search (issue 21 item 4, storage): 296 bytes a ticket (100,000 seeded).

"the", "is", "not" were in nearly every ticket's vector (a fifth of its bytes and of the GIN index) and matched
nearly every ticket, so no search could use them. The configuration `tessera_search` is PostgreSQL's `simple`
(every token type, each word lower-cased as written, no stemming) with the English stop list; the trigger, the
services (tickets.search_index) and the search box's query (tickets.search) all use it (tickets.search_words).
Stop words keep their positions, so phrases still match their other words in order.

The existing vectors are recomputed from themselves: the ticket keeps no text copy of its conversation, and
rebuilding from the messages would not give back what was indexed (the per-message and per-vector caps, merged
tickets' words). Removing the lexemes the new dictionary rejects (`ts_delete`) gives the words and positions a
fresh vector has (a message's words are shifted by the previous message's last position, so only phrases across
two messages, which mean nothing, can differ). In batches of BATCH tickets, each its own transaction (the
migration is not atomic): row locks held for a batch only, no transaction the size of the table, and a failure
keeps the batches done (running it again is harmless: a vector without stop words is left as it is). A VACUUM
every VACUUM_EVERY rows lets the next batches reuse the old versions' space, and a VACUUM (ANALYZE) at the end
gives the search's estimates statistics without the stop words. The files do not shrink: every UPDATE writes a
new version of the row and of each of its index entries, so the table ends larger than before until
`REINDEX TABLE CONCURRENTLY tickets_ticket` (online) gives the indexes back and new tickets fill the heap's free
space (VACUUM FULL or pg_repack return it at once); docs/benchmarks.md has the numbers. Row-level
security is forced even for the owner: the tenant is set in each batch's transaction. SQLite (the demo) keeps no
vector: nothing to do (its search leaves the same words out, tickets.search._text_matches_sqlite).

Backwards, the trigger and the query go back to `simple`; the stop words removed from existing vectors are not
put back (a search for one of them finds only tickets written since).
"""

from django.db import migrations, transaction

from tenancy.migration_ops import PostgresSQL

CONFIG = """
CREATE TEXT SEARCH DICTIONARY tessera_search_words (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION tessera_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION tessera_search ALTER MAPPING REPLACE simple WITH tessera_search_words;
"""

DROP_CONFIG = """
DROP TEXT SEARCH CONFIGURATION IF EXISTS tessera_search;
DROP TEXT SEARCH DICTIONARY IF EXISTS tessera_search_words;
"""


def subject_trigger(config: str) -> str:
    """0018's trigger (the subject's words in front of the row's weight-B words) with `config`."""
    return f"""
CREATE OR REPLACE FUNCTION tickets_ticket_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The subject's words (A) in front of the conversation's (B), which the services append in SQL: the
    -- ticket keeps no text copy of the conversation to rebuild them from.
    NEW.search_vector := setweight(to_tsvector('{config}', coalesce(NEW.subject, '')), 'A')
        || ts_filter(coalesce(NEW.search_vector, ''::tsvector), '{{b}}');
    RETURN NEW;
END $$;
"""


BATCH = 5_000
# A VACUUM after this many rewritten rows, so the next batches reuse the old versions' space (at 100,000 tickets
# the table grew from 248 to 482 MB without it, to 421 MB with it; the indexes' part comes back with REINDEX).
VACUUM_EVERY = 50_000

# The lexemes the dictionary rejects are the stop words: ts_lexize gives them an empty array.
WITHOUT_STOP_WORDS = """
UPDATE tickets_ticket AS t SET search_vector = s.vector
FROM (
    SELECT id, ts_delete(search_vector, ARRAY(
        SELECT lexeme FROM unnest(search_vector) WHERE ts_lexize('tessera_search_words', lexeme) = '{}'
    )) AS vector, search_vector AS old
    FROM tickets_ticket WHERE tenant_id = %s AND id >= %s AND id < %s AND search_vector IS NOT NULL
) AS s
WHERE t.id = s.id AND t.tenant_id = %s AND s.vector <> s.old
"""


def drop_stop_words(apps, schema_editor):
    """Every ticket's vector without its stop words, BATCH tickets a transaction, tenant by tenant."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenancy_tenant ORDER BY id")
        tenant_ids = [row[0] for row in cursor.fetchall()]
    updated = 0
    for tenant_id in tenant_ids:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            cursor.execute("SELECT min(id), max(id) FROM tickets_ticket WHERE tenant_id = %s", [tenant_id])
            low, high = cursor.fetchone()
        if low is None:
            continue
        for start in range(low, high + 1, BATCH):
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
                cursor.execute(WITHOUT_STOP_WORDS, [tenant_id, start, start + BATCH, tenant_id])
                updated += cursor.rowcount
            if updated >= VACUUM_EVERY:
                _vacuum(connection)
                updated = 0
    _vacuum(connection, analyze=True)


def _vacuum(connection, *, analyze: bool = False) -> None:
    """Make the old row versions' space reusable by the next batches (each UPDATE writes a new version of the
    row and of every index entry); at the end, statistics without the stop words for the search's estimates."""
    if connection.in_atomic_block:  # run inside a test's or a caller's transaction: VACUUM cannot
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}tickets_ticket")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0021_search_requesters")]

    operations = [
        PostgresSQL(sql=CONFIG, reverse_sql=DROP_CONFIG),
        PostgresSQL(sql=subject_trigger("tessera_search"), reverse_sql=subject_trigger("simple")),
        migrations.RunPython(drop_stop_words, migrations.RunPython.noop, elidable=True),
    ]
