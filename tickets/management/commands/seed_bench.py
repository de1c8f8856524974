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
from bisect import bisect
from datetime import UTC, datetime
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.models import Tenant, User
from tenancy.roles import Role
from tenancy.services import add_member, create_tenant, get_or_create_user
from tickets.content import html_to_text, render_plain_text
from tickets.models import Category, CustomField, Organisation, Queue, Team, TeamMembership
from tickets.search_words import SEARCH_CONFIG

BENCH_SEED = Automation("benchmark seed")
BENCH_PASSWORD = "tessera-bench"  # noqa: S105 - throw-away benchmark logins, printed at the end
LOADED_TABLES = ("tickets_ticket", "tickets_message", "tickets_ticketevent")
TENANT_NAMES = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "soylent"]

# --- Vocabulary --------------------------------------------------------------------------------------------------
# Common words appear in a large share of tickets; "medium" words follow a Zipf curve; rare words (made-up
# product codes) appear in roughly 10 tickets per million each, so full-text search sees every selectivity.

COMMON = [
    "account",
    "invoice",
    "password",
    "login",
    "error",
    "export",
    "payment",
    "refund",
    "order",
    "delivery",
    "update",
    "access",
    "report",
    "email",
    "customer",
    "team",
    "plan",
    "billing",
    "subscription",
    "screen",
    "settings",
    "problem",
    "issue",
    "request",
    "data",
    "file",
    "upload",
    "sync",
]
MEDIUM_REAL = [
    "firewall",
    "printer",
    "vpn",
    "certificate",
    "webhook",
    "timeout",
    "latency",
    "backup",
    "restore",
    "migration",
    "calendar",
    "mobile",
    "android",
    "iphone",
    "browser",
    "firefox",
    "chrome",
    "safari",
    "cache",
    "cookie",
    "token",
    "oauth",
    "saml",
    "sso",
    "ldap",
    "proxy",
    "dns",
    "domain",
    "ssl",
    "invoice",
    "vat",
    "currency",
    "discount",
    "coupon",
    "voucher",
    "warranty",
    "shipment",
    "courier",
    "tracking",
    "parcel",
    "warehouse",
    "return",
    "exchange",
    "license",
    "seat",
    "renewal",
    "downgrade",
    "upgrade",
    "trial",
    "quota",
    "storage",
    "bandwidth",
    "api",
    "endpoint",
    "integration",
    "zapier",
    "slack",
    "teams",
    "outlook",
    "gmail",
    "spreadsheet",
    "csv",
    "pdf",
    "attachment",
    "signature",
    "approval",
    "workflow",
    "escalation",
    "outage",
    "incident",
    "maintenance",
    "keyboard",
    "monitor",
    "laptop",
    "docking",
    "battery",
    "charger",
    "headset",
    "microphone",
    "camera",
    "scanner",
    "router",
    "modem",
    "switch",
    "cable",
    "adapter",
    "firmware",
    "driver",
    "installer",
    "patch",
    "rollback",
    "database",
    "query",
    "index",
    "report",
    "dashboard",
]
SYLLABLES = [
    "ka",
    "zo",
    "ri",
    "mu",
    "ten",
    "lar",
    "vex",
    "qui",
    "dro",
    "pha",
    "nel",
    "sor",
    "tum",
    "bly",
    "gri",
    "xan",
    "cor",
    "vel",
    "mi",
    "tho",
]
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
]
LAST = [
    "Okafor",
    "Schmidt",
    "Nakamura",
    "Silva",
    "Dubois",
    "Kowalski",
    "Haddad",
    "Novak",
    "Andersson",
    "Rossi",
    "Byrne",
    "Tanaka",
    "Moreau",
]

SUBJECTS = [
    "Invoice {ref} shows the wrong VAT number",
    "Refund for a duplicate charge on {ref}",
    "Card declined when renewing the {w} plan",
    "Can't sign in after password reset",
    "Export button does nothing in {w}",
    "Webhook deliveries failing since yesterday",
    "Upgrade to the team plan",
    "Need a full export of our data",
    "{w} not working after the update",
    "Question about order {ref}",
    "Delivery of {ref} is late",
    "Access request for the {w} report",
    "Error 500 when uploading a file",
    "Sync with {w} stopped",
    "Wrong amount on invoice {ref}",
]
CUSTOMER_OPENERS = [
    "Hi, this started this morning and is blocking our team. Could you take a look?",
    "Hello, since the last update we see an error when we open the settings screen.",
    "We were charged twice for the same invoice, please refund the duplicate payment.",
    "Our users cannot login and the password reset email never arrives.",
    "The export to csv produces an empty file for the monthly report.",
    "Could you tell me the status of my order? The delivery tracking has not changed.",
]
CUSTOMER_FOLLOWUPS = [
    "Thanks for the quick answer. I tried that but it still happens.",
    "Here are the steps: open the page, click export, nothing downloads.",
    "That fixed it, thank you!",
    "Any news on this? Our team is still waiting.",
    "I attached the log from this morning, the error shows at 09:14.",
]
AGENT_LINES = [
    "Thanks for reaching out. I'm looking into this now and will update you shortly.",
    "Could you send a screenshot of the error and the time it happened?",
    "We've applied a fix on our side. Can you confirm it works for you now?",
    "I have forwarded this to our billing team, you will hear from us within a day.",
    "This is a known issue and a patch is scheduled for the next maintenance window.",
]
NOTES = [
    "Checked the logs: matches the known issue from last week.",
    "Asked billing to double-check the invoice.",
    "Customer is on the legacy plan, needs manual migration.",
]


def rare_words(count: int = 5000) -> list[str]:
    """Deterministic made-up words (the same list in every run, so the benchmark can search for them)."""
    rng = random.Random(7)  # noqa: S311 - test data
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) + str(rng.randint(2, 99))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


RARE_WORDS = rare_words()


def medium_words(count: int = 2000) -> list[str]:
    rng = random.Random(11)  # noqa: S311 - test data
    words = list(dict.fromkeys(MEDIUM_REAL))
    while len(words) < count:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return list(dict.fromkeys(words))


ZIPF_VOCABULARY = 20_000
ZIPF_EXPONENT = 1.07
ZIPF_WORDS_PER_MESSAGE = 12


def zipf_words(count: int = ZIPF_VOCABULARY) -> list[str]:
    """Deterministic made-up words in rank order for `--zipf` (rank 1 is the most frequent). Three or four
    syllables and a final "x": never one of the other lists' words, and one lexeme to PostgreSQL's parser."""
    rng = random.Random(13)  # noqa: S311 - test data
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) + "x"
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_cum_weights(count: int = ZIPF_VOCABULARY, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative weights of rank r ~ 1 / r**exponent, for random.choices."""
    return list(accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


def copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Pool:
    """Pre-rendered message bodies: (escaped html, escaped text, plain text) made by the app's own functions."""

    def __init__(self, rng: random.Random, lines: list[str], size: int, medium: list[str]):
        weights = list(accumulate(1 / (rank + 1) for rank in range(len(medium))))
        self.entries = []
        for _ in range(size):
            extra = " ".join(rng.choices(medium, cum_weights=weights, k=rng.randint(4, 10)))
            common = " ".join(rng.sample(COMMON, 2))
            body = f"{rng.choice(lines)}\n\nDetails: {common} {extra}."
            html = render_plain_text(body)
            text = html_to_text(html)
            self.entries.append((copy_escape(html), copy_escape(text), text))


# --- Timestamps -------------------------------------------------------------------------------------------------


class Clock:
    """Format epoch seconds as PostgreSQL timestamptz text quickly (dates pre-formatted per day)."""

    def __init__(self, start: int, end: int):
        self.day0 = start // 86400
        days = end // 86400 - self.day0 + 30
        self.days = [(datetime.fromtimestamp((self.day0 + d) * 86400, UTC)).strftime("%Y-%m-%d") for d in range(days)]

    def fmt(self, seconds: int | None) -> str:
        if seconds is None:
            return "\\N"
        day, rest = divmod(int(seconds), 86400)
        return f"{self.days[day - self.day0]} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"


# --- The command ------------------------------------------------------------------------------------------------


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
        for index, (slug, size) in enumerate(zip(slugs, sizes, strict=True)):
            specs.append(self._tenant(index, slug, size, password))
            self.log(f"tenant {slug}: configuration made ({size:,} tickets to load)")
        return specs

    def _tenant(self, index: int, slug: str, size: int, password: str) -> dict:
        rng = self.rng
        name = slug.replace("-bench", "").title() + " (bench)"
        domain = f"{slug}.bench.example"
        with transaction.atomic():
            created = create_tenant(
                slug=slug, name=name, admin_email=f"admin@{domain}", ticket_prefix=slug.split("-")[0][:6].upper()
            )
            tenant = created.tenant
            with tenant_context(tenant):
                agents_count = max(5, min(60, size // 15_000))
                staff = {"admin": created.admin}
                people = [("supervisor", "Sam Supervisor", Role.SUPERVISOR)] + [
                    (f"agent{n}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", Role.AGENT)
                    for n in range(1, agents_count + 1)
                ]
                for local, full_name, role in people:
                    user = get_or_create_user(email=f"{local}@{domain}", full_name=full_name)
                    staff[local] = add_member(user=user, role=role, actor=BENCH_SEED)
                User.objects.filter(pk__in=[m.user_id for m in staff.values()]).update(password=password)
                agents = [m for key, m in staff.items() if key.startswith("agent")] + [staff["supervisor"]]

                team_names = ["Frontline", "Billing", "Technical", "Logistics"]
                teams = [Team.objects.create(name=team) for team in team_names]
                for position, agent in enumerate(agents):
                    TeamMembership.objects.create(team=teams[position % len(teams)], membership=agent)
                    if position % 3 == 0:
                        TeamMembership.objects.create(team=teams[(position + 1) % len(teams)], membership=agent)
                queue_specs = [
                    ("General", 0, 30), ("Billing", 1, 20), ("Technical", 2, 15), ("Accounts", 1, 10),
                    ("Integrations", 2, 10), ("Deliveries", 3, 7), ("Returns", 3, 5), ("VIP", 0, 3),
                ]  # fmt: skip
                # The tenant's setup already made a default "General" queue and starter categories: reuse them.
                queues = [
                    Queue.objects.update_or_create(
                        name=qname, defaults={"team": teams[team], "is_default": position == 0}
                    )[0]
                    for position, (qname, team, _) in enumerate(queue_specs)
                ]
                queue_weights = list(accumulate(weight for _, _, weight in queue_specs))
                categories = []
                for position, (parent_name, children) in enumerate(
                    {
                        "Billing": ["Invoices", "Refunds", "Payment methods"],
                        "Technical": ["Sign-in problems", "Bug report", "Integrations"],
                        "Account": ["Plan changes", "Data export", "Users and access"],
                        "Orders": ["Delivery", "Returns", "Damaged item"],
                    }.items()
                ):
                    parent, _ = Category.objects.get_or_create(
                        name=parent_name, parent=None, defaults={"position": position}
                    )
                    for child_position, child_name in enumerate(children):
                        child, _ = Category.objects.get_or_create(
                            name=child_name, parent=parent, defaults={"position": child_position}
                        )
                        categories.append((parent.pk, child.pk))
                for position, (key, label, choices) in enumerate(BENCH_FIELDS):
                    CustomField.objects.create(
                        key=key, label=label, type=CustomField.Type.CHOICE, position=position,
                        choices=[{"code": code, "label": text} for code, text, _ in choices],
                    )  # fmt: skip
                organisations = [
                    Organisation.objects.create(name=f"{rng.choice(LAST)} {kind} {n}", domain=f"org{n}.example")
                    for n, kind in enumerate(["Ltd", "GmbH", "Inc", "SA", "BV"] * 8)
                ]
        return {
            "tenant": tenant,
            "size": size,
            "agents": [a.pk for a in agents],
            "queues": [(q.pk, q.team_id) for q in queues],
            "queue_weights": queue_weights,
            "categories": categories,
            "organisations": [o.pk for o in organisations],
            "supervisor_email": f"supervisor@{domain}",
            "domain": domain,
        }

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
                indexes, fkeys = self._saved_definitions(cur)
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
                self._ticket_input(cur, deferred=opts["search_vector"] == "update")
                ids = {table: self._max_id(cur, table) for table in (*LOADED_TABLES, "tickets_contact")}
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
                self._check_restored(cur, indexes, fkeys)
            t = time.monotonic()
        self.log(f"committed ({time.monotonic() - t:.1f}s)")

    @staticmethod
    def _saved_definitions(cur) -> tuple[list, list]:
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

    @staticmethod
    def _ticket_input(cur, *, deferred: bool) -> None:
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

    @staticmethod
    def _check_restored(cur, indexes, fkeys) -> None:
        now_indexes, now_fkeys = Command._saved_definitions(cur)
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

    @staticmethod
    def _max_id(cur, table: str) -> int:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - constant table names
        return cur.fetchone()[0]

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


TICKET_COLUMNS = (
    "id, tenant_id, number, subject, contact_id, channel, category_id, subcategory_id, priority, "
    "status, is_open, queue_id, team_id, assignee_id, escalation_level, merged_into_id, created_at, updated_at, "
    "first_response_at, last_customer_activity_at, last_agent_activity_at, resolved_at, closed_at, "
    "first_response_due_at, next_update_due_at, resolution_due_at, next_due_at, received_address, custom_fields"
)
# Custom choice fields every bench tenant gets, each choice with its share of the tickets (the rest: no value),
# so filters see a common, a medium and a rare value (bench/custom_field_filter.py).
BENCH_FIELDS = [
    ("product", "Product", [("cloud", "Tessera Cloud", 0.55), ("onprem", "Tessera On-Prem", 0.30),
                            ("mobile", "Mobile app", 0.04), ("legacy", "Legacy desktop", 0.01)]),
    ("contract", "Contract tier", [("standard", "Standard", 0.6), ("business", "Business", 0.3),
                                   ("enterprise", "Enterprise", 0.1)]),
]  # fmt: skip


def bench_custom_fields(r: float, r2: float) -> str:
    """The custom_fields JSON of one ticket, from two uniform draws (COPY text: no escaping needed)."""
    values = []
    for (key, _, choices), draw in zip(BENCH_FIELDS, (r, r2), strict=True):
        edge = 0.0
        for code, _, share in choices:
            edge += share
            if draw < edge:
                values.append(f'"{key}": "{code}"')
                break
    return "{" + ", ".join(values) + "}"


MESSAGE_COLUMNS = (
    "id, tenant_id, ticket_id, kind, author_membership_id, author_contact_id, channel, body_html, "
    "email_message_id, email_in_reply_to, created_at"
)
EVENT_COLUMNS = (
    "id, tenant_id, ticket_id, actor_membership_id, actor_contact_id, actor_automation, kind, field, "
    "old_value, new_value, reason, created_at"
)


class Chunk:
    __slots__ = ("count", "event_count", "events", "message_count", "messages", "tickets")


class TicketGenerator:
    """Tickets of one tenant with their conversation and audit trail, as COPY text."""

    OPEN_STATUSES = (("new", 0.2), ("open", 0.65), ("pending", 0.85), ("on_hold", 1.0))
    DONE_STATUSES = (("resolved", 0.30), ("closed", 0.98), ("spam", 1.0))
    PRIORITIES = [1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4]
    CHANNELS = ["web", "web", "web", "email", "email", "email", "phone", "chat", "api"]
    RESPONSE_HOURS = {1: 8, 2: 4, 3: 2, 4: 1}

    def __init__(self, rng, spec, contact_ids, next_ids, messages_per_ticket, pools, medium, *, zipf=False):
        self.rng = rng
        self.spec = spec
        self.contacts = contact_ids
        self.next_ids = next_ids
        self.mpt = max(1, messages_per_ticket)
        self.pools = pools
        self.medium = medium
        # --zipf: every message gets a paragraph of words drawn from a Zipf curve (skewed like real text).
        self.zipf = (zipf_words(), zipf_cum_weights()) if zipf else None
        self.now = int(time.time())
        self.start = self.now - 730 * 86400
        self.clock = Clock(self.start - 86400, self.now + 30 * 86400)

    def chunks(self, size: int):
        n = self.spec["size"]
        for first in range(0, n, size):
            yield self._chunk(first, min(n, first + size))

    def _skewed(self, html: str, text: str) -> tuple[str, str]:
        """The message with a paragraph of Zipf-drawn words (plain lower-case words: nothing to escape)."""
        if self.zipf is None:
            return html, text
        words, weights = self.zipf
        extra = " ".join(self.rng.choices(words, cum_weights=weights, k=ZIPF_WORDS_PER_MESSAGE))
        return f"{html}<p>{extra}</p>", f"{text} {extra}"

    def _chunk(self, first: int, last: int) -> Chunk:
        rng = self.rng
        rnd, randint, choice = rng.random, rng.randint, rng.choice
        spec, fmt, now = self.spec, self.clock.fmt, self.now
        tenant_id = spec["tenant"].pk
        n = spec["size"]
        span = (self.now - 3600) - self.start
        agents, contacts, categories = spec["agents"], self.contacts, spec["categories"]
        queues, qweights = spec["queues"], spec["queue_weights"]
        qtotal = qweights[-1]
        customer_open, customer_more, agent_pool, note_pool = (p.entries for p in self.pools)
        ids = self.next_ids
        tickets, messages, events = [], [], []
        message_count = event_count = 0
        mpt = self.mpt
        null = "\\N"

        for index in range(first, last):
            ticket_id = ids["tickets_ticket"]
            ids["tickets_ticket"] += 1
            created = self.start + int((index + rnd()) * span / n)
            age_days = (now - created) / 86400
            p_open = 0.6 if age_days < 7 else 0.3 if age_days < 30 else 0.115
            if rnd() < p_open:
                r = rnd()
                status = next(s for s, edge in self.OPEN_STATUSES if r < edge)
            else:
                r = rnd()
                status = next(s for s, edge in self.DONE_STATUSES if r < edge)
            is_open = status in ("new", "open", "pending", "on_hold")
            queue_id, team_id = queues[bisect(qweights, rnd() * qtotal)]
            category, subcategory = choice(categories) if rnd() < 0.85 else (None, None)
            priority = choice(self.PRIORITIES)
            channel = choice(self.CHANNELS)
            contact = contacts[int(len(contacts) * rnd() ** 2)]  # a few requesters write a lot
            if status in ("new", "spam"):
                count = 1
                assignee = choice(agents) if status == "new" and rnd() < 0.3 else None
            else:
                count = randint(2, 2 * mpt - 2) if mpt > 2 else mpt
                assignee = choice(agents) if rnd() < 0.97 else None
            ref = f"{'INV' if rnd() < 0.5 else 'ORD'}-{randint(10000, 99999)}"
            word = choice(self.medium[:200])
            subject = choice(SUBJECTS).format(ref=ref, w=word)
            rare = choice(RARE_WORDS) if rnd() < 0.05 else None

            # The conversation: the requester's first message, then agent replies, customer replies and notes.
            html, text, plain = choice(customer_open)
            if rare or ref:
                extra = f" Reference {ref}" + (f", product {rare}" if rare else "") + "."
                plain = plain + extra
                html = copy_escape(render_plain_text(plain)) if rare else html[:-4] + copy_escape(extra) + "</p>"
                text = copy_escape(plain) if rare else text + copy_escape(extra)
            html, text = self._skewed(html, text)
            texts = [text]
            moment = created
            ev_id = ids["tickets_ticketevent"]
            msg_id = ids["tickets_message"]
            messages.append(
                f"{msg_id}\t{tenant_id}\t{ticket_id}\treply\t\\N\t{contact}\t{channel}\t{html}\t\t\t{fmt(moment)}\n"
            )
            msg_id += 1
            events.append(
                f"{ev_id}\t{tenant_id}\t{ticket_id}\t\\N\t{contact}\t\tcreated\tchannel\t\t{channel}\t\t{fmt(moment)}\n"
            )
            ev_id += 1
            last_customer = moment
            first_response = last_agent = None
            current = "new"
            if assignee:
                moment += randint(60, 4 * 3600)
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{assignee}\t\\N\t\tassigned\tassignee\t\t{assignee}\t"
                    f"claimed\t{fmt(moment)}\n"
                )
                ev_id += 1
            agent_turn = True
            for _ in range(count - 1):
                moment = min(moment + randint(600, 30 * 3600), now - 120)
                if agent_turn or rnd() < 0.15:
                    author = assignee or choice(agents)
                    if rnd() < 0.15 and first_response is not None:
                        html, text, _ = choice(note_pool)
                        html, text = self._skewed(html, text)
                        kind, mchannel, evkind = "note", "internal", "note_added"
                    else:
                        html, text, _ = choice(agent_pool)
                        html, text = self._skewed(html, text)
                        kind, mchannel, evkind = "reply", "web", "replied"
                        if first_response is None:
                            first_response = moment
                        agent_turn = False
                    messages.append(
                        f"{msg_id}\t{tenant_id}\t{ticket_id}\t{kind}\t{author}\t\\N\t{mchannel}\t{html}\t\t\t"
                        f"{fmt(moment)}\n"
                    )
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t{author}\t\\N\t\t{evkind}\t\t\t{msg_id}\t\t{fmt(moment)}\n"
                    )
                    ev_id += 1
                    last_agent = moment
                    if current == "new" and kind == "reply":
                        events.append(
                            f"{ev_id}\t{tenant_id}\t{ticket_id}\t{author}\t\\N\t\tstatus_changed\tstatus\tnew\topen\t"
                            f"\t{fmt(moment)}\n"
                        )
                        ev_id += 1
                        current = "open"
                else:
                    html, text, _ = choice(customer_more)
                    html, text = self._skewed(html, text)
                    messages.append(
                        f"{msg_id}\t{tenant_id}\t{ticket_id}\treply\t\\N\t{contact}\t{channel}\t{html}\t\t\t"
                        f"{fmt(moment)}\n"
                    )
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t\\N\t{contact}\t\tcustomer_replied\t\t\t{msg_id}\t\t"
                        f"{fmt(moment)}\n"
                    )
                    ev_id += 1
                    last_customer = moment
                    agent_turn = True
                texts.append(text)
                msg_id += 1
            message_count += msg_id - ids["tickets_message"]
            ids["tickets_message"] = msg_id

            actor = assignee or agents[0]
            resolved_at = closed_at = None
            if status != current and status != "new":
                moment = min(moment + randint(600, 48 * 3600), now - 60)
                old = current
                if status in ("closed",):
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tstatus_changed\tstatus\t{old}\tresolved\t"
                        f"\t{fmt(moment)}\n"
                    )
                    ev_id += 1
                    resolved_at = moment
                    moment = min(moment + randint(3600, 7 * 86400), now - 30)
                    old = "resolved"
                    closed_at = moment
                elif status == "resolved":
                    resolved_at = moment
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tstatus_changed\tstatus\t{old}\t{status}\t"
                    f"\t{fmt(moment)}\n"
                )
                ev_id += 1
            escalation = 0
            if is_open and rnd() < 0.04:
                escalation = 2 if rnd() < 0.15 else 1
                moment = min(moment + randint(60, 3600), now - 10)
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tescalated\tescalation_level\t0\t{escalation}\t"
                    f"customer waiting\t{fmt(moment)}\n"
                )
                ev_id += 1
            event_count += ev_id - ids["tickets_ticketevent"]
            ids["tickets_ticketevent"] = ev_id

            # SLA deadlines: the earliest still-open one is next_due_at, spread around now for open tickets.
            first_due = created + self.RESPONSE_HOURS[priority] * 3600
            resolution_due = created + (6 - priority) * 86400
            if is_open:
                if status == "pending" and rnd() < 0.4:
                    next_due = update_due = None  # the SLA clock pauses while we wait for the customer
                else:
                    next_due = now + randint(-3 * 86400, 7 * 86400)
                    update_due = next_due
            else:
                next_due = update_due = None
            document = "\\n".join(texts)[:100_000]  # the words of the conversation, for the vector
            tickets.append(
                f"{ticket_id}\t{tenant_id}\t{index + 1}\t{copy_escape(subject)}\t{contact}\t{channel}\t"
                f"{category or null}\t{subcategory or null}\t{priority}\t{status}\t{'t' if is_open else 'f'}\t"
                f"{queue_id}\t{team_id or null}\t{assignee or null}\t{escalation}\t\\N\t{fmt(created)}\t"
                f"{fmt(moment)}\t{fmt(first_response)}\t{fmt(last_customer)}\t{fmt(last_agent)}\t"
                f"{fmt(resolved_at)}\t{fmt(closed_at)}\t{fmt(first_due)}\t{fmt(update_due)}\t"
                f"{fmt(resolution_due)}\t{fmt(next_due)}\t\t{bench_custom_fields(rnd(), rnd())}\t{document}\n"
            )
        chunk = Chunk()
        chunk.count = last - first
        chunk.tickets = "".join(tickets)
        chunk.messages = "".join(messages)
        chunk.events = "".join(events)
        chunk.message_count = message_count
        chunk.event_count = event_count
        return chunk
