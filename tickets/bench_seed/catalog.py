"""What seed_bench does to the catalog around its bulk load: the secondary indexes and foreign keys it drops are read
first and checked after they are recreated, and tickets are copied through a temporary view that computes their
search vector from the conversation's text."""

from __future__ import annotations

from django.core.management.base import CommandError

from tickets.search_words import SEARCH_CONFIG

from .rows import TICKET_COLUMNS

LOADED_TABLES = ("tickets_ticket", "tickets_message", "tickets_ticketevent")


def saved_definitions(cur) -> tuple[list, list]:
    tables = list(LOADED_TABLES)
    cur.execute(
        "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY t.relname, i.relname",
        [tables],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' AND t.relname = ANY(%s) "
        "ORDER BY t.relname, c.conname",
        [tables],
    )
    return indexes, cur.fetchall()


def ticket_input(cur, *, deferred: bool) -> None:
    """A temporary view to COPY tickets into, with their conversation's text in `document`: its trigger inserts
    the ticket with the text's words as its vector (or, `deferred`, keeps the text for one UPDATE at the end).
    Temporary objects: gone with the session (and with the transaction on a rollback)."""
    columns = [column.strip() for column in TICKET_COLUMNS.split(",")]
    values = ", ".join(f"NEW.{column}" for column in columns)
    vector = "NULL" if deferred else f"setweight(to_tsvector('{SEARCH_CONFIG}', NEW.document), 'B')"
    keep = "INSERT INTO seed_ticket_documents VALUES (NEW.id, NEW.document);" if deferred else ""
    cur.execute("CREATE TEMPORARY TABLE seed_ticket_documents (id bigint, document text) ON COMMIT DROP")
    cur.execute(
        f"CREATE TEMPORARY VIEW seed_ticket_input AS SELECT {TICKET_COLUMNS}, NULL::text AS document "  # noqa: S608
        "FROM tickets_ticket WHERE false"
    )
    cur.execute(
        "CREATE FUNCTION pg_temp.seed_ticket_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
        f"INSERT INTO tickets_ticket ({TICKET_COLUMNS}, search_vector) VALUES ({values}, {vector}); {keep} "
        "RETURN NULL; END $$"
    )
    cur.execute(
        "CREATE TRIGGER seed_ticket_input INSTEAD OF INSERT ON seed_ticket_input "
        "FOR EACH ROW EXECUTE FUNCTION pg_temp.seed_ticket_insert()"
    )


def check_restored(cur, indexes, fkeys) -> None:
    now_indexes, now_fkeys = saved_definitions(cur)
    # Indexes by table and name: PostgreSQL may print a recreated partial index's predicate with its casts
    # placed differently (`ANY ((ARRAY[...])::text[])` becomes `ANY (ARRAY[(...)::text])`), the same index.
    names, now_names = {row[:2] for row in indexes}, {row[:2] for row in now_indexes}
    if names != now_names or sorted(now_fkeys) != sorted(fkeys):
        before, after = names | set(fkeys), now_names | set(now_fkeys)
        raise CommandError(
            "Indexes or foreign keys differ from before the load; rolled back. "
            f"Missing: {sorted(before - after)}; new: {sorted(after - before)}"
        )
    cur.execute(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'ticket_search_vector' "
        "AND tgrelid = 'tickets_ticket'::regclass"
    )
    if cur.fetchone() != ("O",):
        raise CommandError("The search_vector trigger is not enabled; rolled back.")


def max_id(cur, table: str) -> int:
    cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - constant table names
    return cur.fetchone()[0]
