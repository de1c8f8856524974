"""Requesters found by the words of their name and address, from an index (issue 21, search at a million tickets).

The search box matched a requester by any substring of their name or address: under row-level security no index
can serve `UPPER(name) LIKE '%...%'` (neither the function nor the operator is LEAKPROOF), so every search read
every contact of the tenant, 47 ms for 54,000 contacts. A contact now carries the words of its name and address,
split at anything that is not a letter or digit (`dana.whitfield@newco.example`: dana, whitfield, newco,
example); a trigger keeps them, and the `@@` match (ts_match_vq, LEAKPROOF as the tickets' search needs) uses the
GIN index. SQLite (the demo) has no trigger: the column stays NULL there."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

from tenancy.migration_ops import PostgresSQL, each_tenant

# One definition for the trigger and the backfill. IMMUTABLE: regexp_replace and to_tsvector with a fixed
# configuration are. The split matches tickets.search.requester_words' (letters and digits, Unicode-aware
# under the database's UTF-8 ctype).
WORDS = """
CREATE FUNCTION tickets_contact_words(name text, email text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', regexp_replace(coalesce(name, '') || ' ' || coalesce(email, ''),
                                                '[^[:alnum:]]+', ' ', 'g'))
$$;
CREATE FUNCTION tickets_contact_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := tickets_contact_words(NEW.name, NEW.email);
    RETURN NEW;
END $$;
CREATE TRIGGER contact_search_vector BEFORE INSERT OR UPDATE OF name, email
    ON tickets_contact FOR EACH ROW EXECUTE FUNCTION tickets_contact_search_vector();
"""

DROP_WORDS = """
DROP TRIGGER IF EXISTS contact_search_vector ON tickets_contact;
DROP FUNCTION IF EXISTS tickets_contact_search_vector();
DROP FUNCTION IF EXISTS tickets_contact_words(text, text);
"""


def fill_words(apps, schema_editor):
    """The words of every existing contact (row-level security is forced even for the owner: tenant by tenant)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for _ in each_tenant(schema_editor):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("UPDATE tickets_contact SET search_vector = tickets_contact_words(name, email)")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_storage_indexes")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        PostgresSQL(sql=WORDS, reverse_sql=DROP_WORDS),
        # Before the backfill: its UPDATE leaves deferred foreign-key events that CREATE INDEX refuses to follow.
        migrations.AddIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(fields=["tenant", "search_vector"], name="contact_search"),
        ),
        migrations.RunPython(fill_words, migrations.RunPython.noop),
    ]
