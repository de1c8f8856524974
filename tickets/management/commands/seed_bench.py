"""Build a large benchmark dataset fast: `manage.py seed_bench --tickets 1000000 --tenants 3`.

Tenants, people, teams, queues, categories and organisations are made through the normal services and ORM.
Contacts, tickets, messages and ticket events are streamed with PostgreSQL COPY, in one transaction:

1. the non-unique secondary indexes and the foreign keys of tickets, messages and events are dropped
   (their definitions are read from the catalog first: pg_get_indexdef / pg_get_constraintdef);
2. contacts, tickets, messages and events are copied; tickets through a temporary view whose INSTEAD OF trigger
   inserts each row with its conversation's words (weight B; the table's trigger puts the subject's in front):
   the ticket keeps no text copy of its conversation to compute them from later;
   messages and events are spooled to temporary files while the tickets stream, so Python generation
   overlaps with the server's work;
3. the indexes and foreign keys are recreated from the saved definitions (FKs validated), sequences,
   Tenant.last_ticket_number are set, and the transaction commits; then VACUUM ANALYZE.

A failure anywhere before the commit rolls everything back (DDL is transactional in PostgreSQL). It must run as
the table owner (DATABASE_URL of the test harness, or MIGRATION_DATABASE_URL in production-like setups):
dropping indexes and constraints needs ownership, and the owner's BYPASSRLS lets the bulk load write every
tenant's rows on its own connection (tenant-owned ORM writes still run inside tenant_context()).

Run `--search-vector update` or `--keep-indexes` to measure the alternatives (see docs/benchmarks.md).
"""

from __future__ import annotations

import os
import random
import tempfile
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from tenancy.models import Tenant
from tickets.bench_seed import catalog
from tickets.bench_seed.catalog import LOADED_TABLES
from tickets.bench_seed.rows import (
    EVENT_COLUMNS,
    MESSAGE_COLUMNS,
    TICKET_COLUMNS,
    Clock,
    Pool,
    TicketGenerator,
)
from tickets.bench_seed.tenants import make_tenant
from tickets.bench_seed.vocabulary import (
    AGENT_LINES,
    CUSTOMER_FOLLOWUPS,
    CUSTOMER_OPENERS,
    FIRST,
    LAST,
    NOTES,
    ZIPF_VOCABULARY,
    ZIPF_WORDS_PER_MESSAGE,
    medium_words,
)
from tickets.search_words import SEARCH_CONFIG

BENCH_PASSWORD = "tessera-bench"  # noqa: S105 - throw-away benchmark logins, printed at the end
TENANT_NAMES = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "soylent"]


class Command(BaseCommand):
    help = "Build a large benchmark dataset with COPY (PostgreSQL only, run as the table owner)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets over all tenants")
        parser.add_argument("--tenants", type=int, default=3)
        parser.add_argument("--messages-per-ticket", type=int, default=5, help="average (first message included)")
        parser.add_argument("--quick", action="store_true", help="100,000 tickets")
        parser.add_argument(
            "--main-share", type=float, default=0.8, help="share of the tickets in the first tenant (acme-bench)"
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--search-vector",
            choices=["trigger", "update"],
            default="trigger",
            help="trigger: filled per row during COPY; update: tickets copied without it, then one UPDATE",
        )
        parser.add_argument(
            "--zipf",
            action="store_true",
            help=f"skewed text: {ZIPF_WORDS_PER_MESSAGE} words a message from a Zipf-distributed vocabulary of "
            f"{ZIPF_VOCABULARY:,} made-up words (bench/search_deciles.py searches them)",
        )
        parser.add_argument(
            "--keep-indexes", action="store_true", help="load with every index and foreign key in place (slow)"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_bench needs PostgreSQL (it uses COPY, triggers and row-level security); "
                f"DATABASE_URL points at {connection.vendor}. Start `python -m tests.harness --shell` and use "
                "its DATABASE_URL (the owner role)."
            )
        tickets = 100_000 if options["quick"] else options["tickets"]
        tenants = max(1, options["tenants"])
        if tickets < tenants:
            raise CommandError("Need at least one ticket per tenant.")
        self.rng = random.Random(options["seed"])  # noqa: S311 - test data
        self.started = time.monotonic()
        self.options = options
        sizes = self._sizes(tickets, tenants, options["main_share"])
        self._check_owner()
        specs = self._tenants(sizes)
        self._bulk_load(specs)
        self._vacuum()
        total = time.monotonic() - self.started
        self.log(f"done: {tickets:,} tickets in {len(specs)} tenants in {total:.1f}s ({total / 60:.1f} min)")
        self.stdout.write(
            f"Log in at http://{specs[0]['tenant'].slug}.localhost:8000/ as "
            f"{specs[0]['supervisor_email']} (password {BENCH_PASSWORD})."
        )

    # --- helpers ------------------------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:7.1f}s] {message}")
        self.stdout.flush()

    @staticmethod
    def _sizes(tickets: int, tenants: int, share: float) -> list[int]:
        if tenants == 1:
            return [tickets]
        main = max(1, min(tickets - (tenants - 1), round(tickets * share)))
        rest = tickets - main
        others = [rest // (tenants - 1) + (1 if i < rest % (tenants - 1) else 0) for i in range(tenants - 1)]
        return [main, *others]

    def _check_owner(self) -> None:
        """Refuse anything but the table owner, which must bypass row-level security for the bulk load."""
        with connection.cursor() as cursor:  # no scope yet: a plain autocommit query
            cursor.execute(
                "SELECT session_user, t.tableowner, r.rolbypassrls "
                "FROM pg_tables t JOIN pg_roles r ON r.rolname = session_user WHERE t.tablename = 'tickets_ticket'"
            )
            row = cursor.fetchone()
        if row is None:
            raise CommandError("tickets_ticket does not exist: run `manage.py migrate` first.")
        user, owner, bypassrls = row
        if user != owner:
            raise CommandError(
                f"seed_bench must connect as the table owner ({owner}), not {user}: it drops and recreates "
                "indexes and foreign keys around the load. Use the owner's DATABASE_URL."
            )
        if not bypassrls:
            raise CommandError(f"{user} cannot bypass row-level security (ALTER ROLE {user} BYPASSRLS).")

    # --- phase 1: tenants and their configuration, through the services and the ORM ------------------------------

    def _tenants(self, sizes: list[int]) -> list[dict]:
        slugs = [
            f"{TENANT_NAMES[i]}-bench" if i < len(TENANT_NAMES) else f"tenant{i + 1}-bench" for i in range(len(sizes))
        ]
        existing = list(Tenant.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if existing:
            raise CommandError(
                f"Tenants {', '.join(existing)} exist already: seed_bench builds new tenants. "
                "Use a fresh database (restart the harness and migrate)."
            )
        password = make_password(BENCH_PASSWORD)  # hashed once, shared by every bench login
        specs = []
        for slug, size in zip(slugs, sizes, strict=True):
            specs.append(make_tenant(self.rng, slug, size, password))
            self.log(f"tenant {slug}: configuration made ({size:,} tickets to load)")
        return specs

    # --- phase 2: the bulk load, one transaction ---------------------------------------------------------------

    def _bulk_load(self, specs: list[dict]) -> None:
        opts = self.options
        raw = None
        with transaction.atomic():
            raw = connection.connection  # the psycopg 3 connection, inside Django's transaction
            with raw.cursor() as cur:
                cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cur.execute("SET LOCAL max_parallel_maintenance_workers = 2")
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute(f"LOCK TABLE {', '.join(LOADED_TABLES)}, tickets_contact IN SHARE ROW EXCLUSIVE MODE")
                indexes, fkeys = catalog.saved_definitions(cur)
                if not opts["keep_indexes"]:
                    t = time.monotonic()
                    for table, name, _ in fkeys:
                        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    for _, name, _ in indexes:
                        cur.execute(f'DROP INDEX "{name}"')
                    self.log(
                        f"dropped {len(indexes)} secondary indexes and {len(fkeys)} foreign keys "
                        f"({time.monotonic() - t:.1f}s)"
                    )
                catalog.ticket_input(cur, deferred=opts["search_vector"] == "update")
                ids = {table: catalog.max_id(cur, table) for table in (*LOADED_TABLES, "tickets_contact")}
                self.next_ids = {table: value + 1 for table, value in ids.items()}
                contacts = self._copy_contacts(cur, specs)
                with tempfile.TemporaryDirectory(prefix="seed-bench-") as tmp:
                    message_path, event_path = os.path.join(tmp, "messages"), os.path.join(tmp, "events")
                    self._copy_tickets(cur, specs, contacts, message_path, event_path)
                    self._copy_file(cur, "tickets_message", MESSAGE_COLUMNS, message_path)
                    # Seeded history, like a replayed import, leaves no change-feed entries for the worker.
                    cur.execute("ALTER TABLE tickets_ticketevent DISABLE TRIGGER ticketevent_feed")
                    self._copy_file(cur, "tickets_ticketevent", EVENT_COLUMNS, event_path)
                    cur.execute("ALTER TABLE tickets_ticketevent ENABLE TRIGGER ticketevent_feed")
                if opts["search_vector"] == "update":
                    t = time.monotonic()
                    cur.execute(
                        "UPDATE tickets_ticket AS t SET search_vector = t.search_vector || "  # noqa: S608
                        f"setweight(to_tsvector('{SEARCH_CONFIG}', d.document), 'B') FROM seed_ticket_documents AS d "
                        "WHERE t.id = d.id"
                    )
                    self.log(f"search_vector filled by one UPDATE ({time.monotonic() - t:.1f}s)")
                if not opts["keep_indexes"]:
                    for table, name, definition in indexes:
                        t = time.monotonic()
                        cur.execute(definition)
                        self.log(f"  index {table}.{name} ({time.monotonic() - t:.1f}s)")
                    t = time.monotonic()
                    for table, name, definition in fkeys:
                        cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                    self.log(f"recreated and validated {len(fkeys)} foreign keys ({time.monotonic() - t:.1f}s)")
                for table in (*LOADED_TABLES, "tickets_contact"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                    )
                for spec in specs:
                    cur.execute(
                        "UPDATE tenancy_tenant SET last_ticket_number = "
                        "(SELECT coalesce(max(number), 0) FROM tickets_ticket WHERE tenant_id = %s) WHERE id = %s",
                        [spec["tenant"].pk, spec["tenant"].pk],
                    )
                catalog.check_restored(cur, indexes, fkeys)
            t = time.monotonic()
        self.log(f"committed ({time.monotonic() - t:.1f}s)")

    def _copy_file(self, cur, table: str, columns: str, path: str) -> None:
        t = time.monotonic()
        size = os.path.getsize(path)
        with open(path, "rb") as source, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            while block := source.read(1 << 20):
                copy.write(block)
        self.log(f"{table}: {cur.rowcount:,} rows copied ({size / 1e6:,.0f} MB, {time.monotonic() - t:.1f}s)")

    def _copy_contacts(self, cur, specs: list[dict]) -> dict[int, list[int]]:
        t = time.monotonic()
        rng = self.rng
        now = int(time.time())
        clock = Clock(now - 3 * 365 * 86400, now)
        next_id = self.next_ids["tickets_contact"]
        contacts: dict[int, list[int]] = {}
        with cur.copy(
            "COPY tickets_contact (id, tenant_id, email, name, phone, organisation_id, tier, language, "
            "manages_organisation, membership_id, created_at) FROM STDIN"
        ) as copy:
            for spec in specs:
                tenant_id = spec["tenant"].pk
                ids = []
                lines = []
                for n in range(max(50, spec["size"] // 15)):
                    first, last = rng.choice(FIRST), rng.choice(LAST)
                    org = rng.choice(spec["organisations"]) if rng.random() < 0.7 else None
                    email = f"{first}.{last}.{n}@{f'org{org % 1000}.example' if org else 'mail.example'}".lower()
                    lines.append(
                        f"{next_id}\t{tenant_id}\t{email}\t{first} {last}\t\t{org if org else chr(92) + 'N'}\t"
                        f"{'vip' if rng.random() < 0.05 else 'standard'}\t\tf\t\\N\t"
                        f"{clock.fmt(now - 2 * 365 * 86400 - rng.randint(0, 300 * 86400))}\n"
                    )
                    ids.append(next_id)
                    next_id += 1
                copy.write("".join(lines))
                contacts[tenant_id] = ids
        self.log(f"tickets_contact: {sum(map(len, contacts.values())):,} rows copied ({time.monotonic() - t:.1f}s)")
        return contacts

    def _copy_tickets(self, cur, specs, contacts, message_path: str, event_path: str) -> None:
        from psycopg.copy import QueuedLibpqWriter

        t = time.monotonic()
        rng = self.rng
        medium = medium_words()
        customer_open = Pool(rng, CUSTOMER_OPENERS, 3000, medium)
        customer_more = Pool(rng, CUSTOMER_FOLLOWUPS, 2000, medium)
        agent_pool = Pool(rng, AGENT_LINES, 3000, medium)
        note_pool = Pool(rng, NOTES, 800, medium)
        self.log(f"message pools rendered ({time.monotonic() - t:.1f}s)")
        total = sum(spec["size"] for spec in specs)
        done = 0
        written = {"messages": 0, "events": 0}
        with (
            open(message_path, "w", buffering=1 << 22) as messages,
            open(event_path, "w", buffering=1 << 22) as events,
            cur.copy(
                f"COPY seed_ticket_input ({TICKET_COLUMNS}, document) FROM STDIN", writer=QueuedLibpqWriter(cur)
            ) as copy,
        ):
            for spec in specs:
                generator = TicketGenerator(
                    rng, spec, contacts[spec["tenant"].pk], self.next_ids, self.options["messages_per_ticket"],
                    (customer_open, customer_more, agent_pool, note_pool), medium,
                    zipf=self.options.get("zipf", False),
                )  # fmt: skip
                for chunk in generator.chunks(5000):
                    copy.write(chunk.tickets)
                    messages.write(chunk.messages)
                    events.write(chunk.events)
                    done += chunk.count
                    written["messages"] += chunk.message_count
                    written["events"] += chunk.event_count
                    if done % 100_000 < chunk.count or done == total:
                        rate = done / (time.monotonic() - t)
                        self.log(
                            f"tickets: {done:,}/{total:,} generated ({rate:,.0f}/s); "
                            f"{written['messages']:,} messages, {written['events']:,} events spooled"
                        )
        self.log(f"tickets_ticket: {done:,} rows copied ({time.monotonic() - t:.1f}s)")

    # --- phase 3 -------------------------------------------------------------------------------------------------

    def _vacuum(self) -> None:
        t = time.monotonic()
        raw = connection.connection  # autocommit again: VACUUM cannot run inside a transaction block
        with raw.cursor() as cur:
            for table in ("tickets_contact", *LOADED_TABLES, "tenancy_tenant"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
            # The small tables made through the ORM (queues, categories, memberships, ...) too: without
            # statistics the planner guesses 1 row for them and builds nested loops around them.
            cur.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> ALL(%s)",
                [["tickets_contact", *LOADED_TABLES, "tenancy_tenant"]],
            )
            for (table,) in cur.fetchall():
                cur.execute(f'ANALYZE "{table}"')
        self.log(f"VACUUM ANALYZE done ({time.monotonic() - t:.1f}s)")
