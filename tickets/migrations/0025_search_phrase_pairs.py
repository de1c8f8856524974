"""Phrases of two common words through the GIN index (issue 21): a token for each adjacent pair of common words.

The GIN index keeps no positions: a phrase's candidates are every ticket holding all of its words anywhere, and
each candidate's vector is then tested for the words in order. Two common words that rarely stand together
("xanvexthox xanvelvelx" in the Zipf bench: 747 matches among 35,386 candidates at a million tickets) cost
140-180 ms of rechecks. Like Lucene's CommonGrams, each vector also carries one token for every pair of common
words that stand at positions p and p+1; the phrase's query ANDs that token (`tickets_search_with_phrase_pairs`),
which the index answers selectively, and the phrase operator stays the exact test.

- Which words are common is data, not code: `tickets_searchpairs` holds, per text-search configuration, the
  words (most_common_elems of the column's statistics above a share of the tickets, capped) and the pairs of
  them too frequent to be worth a token (a sample's), filled by `manage.py search_phrase_pairs --refresh`
  (tickets.search_pairs). One list for every tenant: a token only ever narrows a search within the tenant's own
  rows (the index is led by tenant), and the list names words in a large share of all tickets.
- A pair token is ' ' and four base64 characters of the pair's MD5: no lexeme of the parser holds a space, so no
  word can collide with it, and 9 bytes a pair in the vector instead of ~20 for the words themselves. Two pairs
  sharing a token only make the filter less selective; the phrase operator still decides. Tokens carry no
  positions, so they shift no later message's positions and `ts_filter(v, '{a,b,c,d}')` drops them all.
- The trigger `ticket_search_vector_pairs` (after `ticket_search_vector`, by name) rewrites a vector's tokens
  from its positions on every INSERT and every UPDATE of the subject or the vector: the services' appends and
  merges, the seed's fill and the backfill all pass through it, and pairs across a message boundary (adjacent
  in the vector, as the phrase operator sees them) are covered too.
- Vectors written before the list changed lack its tokens: the query uses them only while `ready_version` equals
  `version` (the backfill of every vector under the current list has finished); until then phrases are searched
  as before.

SQLite (the demo) keeps no vector: nothing here runs there.
"""

from django.db import migrations

from tenancy.migration_ops import PostgresSQL

FORWARD = r"""
CREATE TABLE tickets_searchpairs (
    config regconfig PRIMARY KEY,
    words text[] NOT NULL DEFAULT '{}',
    frequent_pairs text[] NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 0,
    ready_version integer NOT NULL DEFAULT 0,
    backfilled_to bigint NOT NULL DEFAULT 0,
    refreshed_at timestamptz
);
INSERT INTO tickets_searchpairs (config) VALUES ('tessera_search');

CREATE FUNCTION tickets_search_pair(first text, second text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ' ' || left(encode(decode(md5(first || ' ' || second), 'hex'), 'base64'), 4)
$$;

-- The tokens of `vector`'s adjacent pairs of `words`, less the `frequent` ones (tokens), as a tsvector.
CREATE FUNCTION tickets_search_pairs(vector tsvector, words text[], frequent text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH common AS (
        -- The vector's common words with their positions: two ts_delete (binary searches), no scan of `words`.
        SELECT u.lexeme, p FROM unnest(ts_delete(vector, tsvector_to_array(ts_delete(vector, words)))) AS u,
            unnest(u.positions) AS p
    )
    SELECT ts_delete(array_to_tsvector(coalesce(array_agg(DISTINCT tickets_search_pair(a.lexeme, b.lexeme)),
        '{}')), coalesce(frequent, '{}'))
    FROM common AS a JOIN common AS b ON b.p = a.p + 1
$$;

-- `vector` with its pair tokens rewritten for `words`: positionless lexemes are only ever pair tokens.
CREATE FUNCTION tickets_search_with_pairs(vector tsvector, words text[], frequent text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN vector IS NULL THEN NULL
        WHEN cardinality(words) IS DISTINCT FROM 0 THEN
            ts_filter(vector, '{a,b,c,d}') || tickets_search_pairs(vector, words, frequent)
        ELSE ts_filter(vector, '{a,b,c,d}') END
$$;

CREATE FUNCTION tickets_ticket_search_vector_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    common record;
BEGIN
    IF NEW.search_vector IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT words, frequent_pairs INTO common FROM tickets_searchpairs WHERE config = 'tessera_search'::regconfig;
    NEW.search_vector := tickets_search_with_pairs(NEW.search_vector, common.words, common.frequent_pairs);
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_search_vector_pairs BEFORE INSERT OR UPDATE OF subject, search_vector
    ON tickets_ticket FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_vector_pairs();

-- `query` AND the pair tokens the phrase `phrase` implies (a ticket with the words in order has each adjacent pair
-- of them at p and p+1 in its vector); `query` alone while the list is not complete, or when it implies none.
CREATE FUNCTION tickets_search_with_phrase_pairs(query tsquery, phrase text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT query && string_agg(quote_literal(token), ' & ')::tsquery
        FROM tickets_searchpairs AS s,
            unnest(tsvector_to_array(tickets_search_pairs(to_tsvector(s.config, phrase), s.words, s.frequent_pairs)))
                AS token
        WHERE s.config = 'tessera_search'::regconfig AND s.ready_version = s.version
        HAVING count(*) > 0
    ), query)
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS tickets_search_with_phrase_pairs(tsquery, text);
DROP TRIGGER IF EXISTS ticket_search_vector_pairs ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_ticket_search_vector_pairs();
DROP FUNCTION IF EXISTS tickets_search_with_pairs(tsvector, text[], text[]);
DROP FUNCTION IF EXISTS tickets_search_pairs(tsvector, text[], text[]);
DROP FUNCTION IF EXISTS tickets_search_pair(text, text);
DROP TABLE IF EXISTS tickets_searchpairs;
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0024_search_vector_inline")]

    operations = [PostgresSQL(sql=FORWARD, reverse_sql=BACKWARD)]
