"""Server-side timings of the agent pages on a seeded dataset, in-process through Django's test Client.

    source <(grep export /tmp/bench-svc.env)        # the harness environment (python -m tests.harness --shell)
    python -m bench.run [--tickets-tenant acme-bench] [--runs 50] [--warmups 3]

Connects as the APPLICATION role (TEST_APP_DATABASE_USER, row-level security on) with the settings as
configured (ATOMIC_REQUESTS), signs in the tenant's supervisor as a sign-in on the tenant's host would (the
session bound to that host, else the desk treats the request as anonymous) and times each request from the test
Client's call to its response: middleware, session, view, ORM, templates (no network, no WSGI server). Every
response must be the real one (its status, and a marker of the page or the redirect it should give): a bench
that measured a sign-in redirect stops with an error. The timed runs capture nothing; queries are counted in a
separate pass (CaptureQueriesContext adds about 3 ms to a request). Refuses a database without fsync and
synchronous commit unless told (--allow-fast-storage). Writes a markdown report to stdout and to
bench/results/<date>.md (gitignored), with EXPLAIN (ANALYZE, BUFFERS) key lines of the list queries, and with
--json the raw timings (bench/compare.py interleaves two checkouts with it). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"


def configure_environment(args) -> None:
    """Point Django at the harness services, connecting as the application role."""
    url = os.environ.get("DATABASE_URL", "")
    user = os.environ.get("TEST_APP_DATABASE_USER")
    if not url.startswith("postgres") or not user:
        sys.exit(
            "Run with the harness environment: `python -m tests.harness --shell > /tmp/bench-svc.env &` then "
            "`source <(grep export /tmp/bench-svc.env)` (needs DATABASE_URL and TEST_APP_DATABASE_USER)."
        )
    os.environ.setdefault("OWNER_DATABASE_URL", url)
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    password = os.environ.get("TEST_APP_DATABASE_PASSWORD", "")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECURE_HTTPS", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("BASE_DOMAIN", "localhost")
    # No collectstatic here: plain storage (the manifest lookup it replaces is a dict lookup either way).
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    os.environ.setdefault("MEDIA_ROOT", "/tmp/tessera-bench-media")  # noqa: S108 - nothing is uploaded
    redis = os.environ.get("REDIS_URL")
    if redis:
        os.environ.setdefault("CELERY_BROKER_URL", f"{redis}/11")
        os.environ.setdefault("CACHE_URL", f"{redis.replace('redis://', 'rediscache://')}/12")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets-tenant", default="acme-bench", help="slug of the seeded tenant to measure")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per scenario")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--count-runs", type=int, default=1, help="runs of the separate query-counting pass")
    parser.add_argument("--json", default="", help="also write the raw timings here (for bench/compare.py)")
    parser.add_argument("--no-report", action="store_true", help="no markdown report, plans or LEAKPROOF pass")
    parser.add_argument(
        "--allow-fast-storage",
        action="store_true",
        help="measure even with fsync or synchronous_commit off (writes then look faster than in production)",
    )
    parser.add_argument("--deep-page", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated scenario names to run (default: all)")
    parser.add_argument("--no-leakproof-compare", action="store_true")
    parser.add_argument("--note", default="", help="free text added to the report (e.g. the seed timings)")
    return parser.parse_args(argv)


# --- measurement ------------------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class NotTheRealPage(AssertionError):
    """A response that is not what the scenario measures (a sign-in redirect, an error page)."""


class Expect:
    """What a scenario's response must be: its status, and a marker in the body (200) or the redirect's target."""

    def __init__(self, status: int = 200, marker: str = "", location: str = ""):
        self.status, self.marker, self.location = status, marker, location

    def check(self, scenario_name: str, response) -> None:
        problem = ""
        if response.status_code != self.status:
            problem = f"status {response.status_code}, expected {self.status}"
        elif self.marker and self.marker.encode() not in response.content:
            problem = f"no {self.marker!r} in the page"
        elif self.location and not response.get("Location", "").startswith(self.location):
            problem = f"redirect to {response.get('Location')!r}, expected {self.location!r}..."
        if problem:
            where = response.get("Location", "")
            raise NotTheRealPage(f"{scenario_name}: {problem}{f' (to {where})' if where else ''}")


class Scenario:
    def __init__(self, name, label, request, target_ms=None, explain=False, expect=None):
        self.name, self.label, self.request, self.target_ms, self.explain = name, label, request, target_ms, explain
        self.expect = expect or Expect()
        self.times: list[float] = []
        self.cpu: list[float] = []  # this process's CPU time: Python's share, unaffected by other processes
        self.queries: list[int] = []
        self.slowest: list[tuple[float, str]] = []
        self.status = set()


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop: tells a slow (or busy) machine from a slow change."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def time_scenario(scenario, client, warmups, runs, offset=0):
    """Warm-ups, then `runs` timed requests with nothing capturing queries (capture costs ~3 ms a request)."""
    for i in range(offset, offset + warmups + runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = scenario.request(client, i)
        elapsed = (time.perf_counter() - start) * 1000
        cpu = (time.process_time() - cpu_start) * 1000
        scenario.status.add(response.status_code)
        scenario.expect.check(scenario.name, response)
        if i - offset >= warmups:
            scenario.times.append(elapsed)
            scenario.cpu.append(cpu)
    return scenario


def count_scenario(scenario, client, runs, connection, offset):
    """The separate counting pass: queries per request, and the slowest of the last one (for EXPLAIN)."""
    from django.test.utils import CaptureQueriesContext

    for i in range(offset, offset + runs):
        with CaptureQueriesContext(connection) as captured:
            response = scenario.request(client, i)
        scenario.expect.check(scenario.name, response)
        scenario.queries.append(len(captured.captured_queries))
        ranked = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        scenario.slowest = [(float(q["time"]) * 1000, q["sql"]) for q in ranked[:3]]
    return scenario


def run_scenario(scenario, client, warmups, runs, connection, count_runs=1):
    time_scenario(scenario, client, warmups, runs)
    if count_runs:
        count_scenario(scenario, client, count_runs, connection, offset=warmups + runs)
    return scenario


def sign_in(client, user, tenant) -> None:
    """force_login, with the session bound to the tenant's host as a sign-in there binds it
    (tenancy.middleware.SessionBindingMiddleware; tests.conftest.sign_in does the same): without the binding the
    desk sees an anonymous request and every page is a redirect to the sign-in form."""
    from tenancy.middleware import SESSION_HOST_KEY

    # The first backend that loads users, whichever the checkout under test names (bench.compare runs this
    # driver against older code).
    client.force_login(user)
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()


DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")
SERVER_SETTINGS = (*DURABILITY, "shared_buffers", "work_mem", "random_page_cost", "effective_cache_size", "jit")


def server_settings(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(SERVER_SETTINGS)])
        rows = {name: (setting, unit) for name, setting, unit in cursor.fetchall()}
        shown = {}
        for name in SERVER_SETTINGS:
            cursor.execute(f"SHOW {name}")  # SHOW gives units as configured (1GB, not 131072 x 8kB)
            shown[name] = cursor.fetchone()[0]
    return {name: shown.get(name, rows.get(name, ("?", None))[0]) for name in SERVER_SETTINGS}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- the dataset ------------------------------------------------------------------------------------------------


def prepare(tenant, supervisor, runs_needed):
    """Pick (and where needed make) the tickets the scenarios act on: all inside the tenant, via the services."""
    from django.db import transaction

    from tenancy.context import tenant_context
    from tickets import services
    from tickets.models import Contact, Queue, Ticket

    subject = "[bench] ticket with 50 messages"
    with tenant_context(tenant), transaction.atomic():
        queue = Queue.objects.get(is_default=True)  # "General": the largest queue of the seeded data
        big = Ticket.objects.filter(subject=subject).first()
        if big is None:
            contact = Contact.objects.order_by("id").first()
            big = services.create_ticket(
                actor=supervisor, contact=contact, subject=subject, body="First message of a long conversation."
            )
            for n in range(49):
                if n % 2 == 0:
                    services.reply(ticket=big, actor=supervisor, body=f"Agent answer number {n}: we are on it.")
                else:
                    services.reply(ticket=big, actor=contact, body=f"Customer follow-up {n}: still broken here.")
            big.refresh_from_db()
        messages = big.messages.count()
        open_ids = list(
            Ticket.objects.filter(status="open", is_open=True, merged_into__isnull=True)
            .exclude(pk=big.pk)
            .order_by("-id")
            .values_list("number", flat=True)[:runs_needed]
        )
        unassigned = list(
            Ticket.objects.filter(is_open=True, assignee__isnull=True, status="new")
            .order_by("-id")
            .values_list("number", flat=True)[:runs_needed]
        )
        contact_email = Contact.objects.filter(email__isnull=False).order_by("-id").values_list("email", flat=True)[0]
    return {
        "queue": queue,
        "big": big,
        "big_messages": messages,
        "open_numbers": open_ids,
        "unassigned_numbers": unassigned,
        "contact_email": contact_email,
    }


def pick_search_words(tenant):
    """A rare, a medium and a common word of the seeded vocabulary, with their match counts."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import transaction

    from tenancy.context import tenant_context
    from tickets.bench_seed.vocabulary import RARE_WORDS, medium_words
    from tickets.models import Ticket
    from tickets.search_words import SEARCH_CONFIG

    def count(word, cap=1_000_000):
        query = SearchQuery(word, config=SEARCH_CONFIG, search_type="websearch")
        return Ticket.objects.filter(search_vector=query)[:cap].count()

    with tenant_context(tenant), transaction.atomic():
        total = Ticket.objects.count()
        rare = next(((w, n) for w in RARE_WORDS[:200] if 0 < (n := count(w)) <= 100), (RARE_WORDS[0], 0))
        vocabulary = medium_words()  # Zipf-ranked: ~1% of tickets around rank 400
        candidates = [vocabulary[rank] for rank in (150, 250, 400, 600, 900) if rank < len(vocabulary)]
        medium = min(((w, count(w)) for w in candidates), key=lambda wn: abs(wn[1] - total * 0.01))
        common = ("password", count("password"))
    return total, [rare, medium, common]


# --- report helpers ---------------------------------------------------------------------------------------------

KEY_PLAN = re.compile(
    r"(Scan|Join|Nested Loop|Sort|Limit|Aggregate|Hash|Filter|Index Cond|Recheck|Rows Removed|Heap Blocks|"
    r"Buffers|Execution Time|Planning Time|Subquery|Materialize|Memoize)"
)


def explain(tenant, sql):
    from django.db import connection, transaction

    from tenancy.context import tenant_context

    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    return lines


def machine_info(connection):
    info = {}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.*)", cpuinfo).group(1).strip()
    except (OSError, AttributeError):
        info["cpu"] = platform.processor() or "unknown"
    info["cores"] = os.cpu_count()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s*(\d+)", meminfo).group(1))
        info["ram"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        info["ram"] = "unknown"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info["postgres"] = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        info["shared_buffers"] = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        info["work_mem"] = cursor.fetchone()[0]
    info["python"] = platform.python_version()
    import django

    info["django"] = django.get_version()
    return info


def dataset_info(owner_url):
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relname IN ('tickets_ticket', 'tickets_message', 'tickets_ticketevent', 'tickets_contact') "
            "ORDER BY c.relname"
        ).fetchall()
        tenants = conn.execute("SELECT slug, last_ticket_number FROM tenancy_tenant ORDER BY id").fetchall()
    return rows, tenants


def set_leakproof(superuser_url, on: bool):
    import psycopg

    with psycopg.connect(superuser_url, autocommit=True) as conn:
        conn.execute(
            f"ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) {'LEAKPROOF' if on else 'NOT LEAKPROOF'}"
        )
        return conn.execute(
            "SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.ts_match_vq'::regproc"
        ).fetchone()[0]


# --- main -------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    configure_environment(args)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    import config.wsgi  # noqa: F401 - loads the application as gunicorn does (settings, apps, gc.freeze)
    from tenancy.context import tenant_context, unscoped  # noqa: F401
    from tenancy.models import Membership, Tenant
    from tickets import picklists

    settings_now = server_settings(connection)
    fast = [name for name in ("fsync", "synchronous_commit") if settings_now[name] != "on"]
    if fast and not args.allow_fast_storage:
        sys.exit(
            f"PostgreSQL runs with {', '.join(f'{n}=off' for n in fast)}: writes would look faster than in "
            "production. Start the harness with HARNESS_DURABLE=1 (bench/README.md), or pass --allow-fast-storage."
        )
    tenant = Tenant.objects.filter(slug=args.tickets_tenant).first()
    if tenant is None:
        sys.exit(f"No tenant {args.tickets_tenant!r}: run `manage.py seed_bench` first (as the owner).")
    with tenant_context(tenant):
        supervisor = Membership.objects.select_related("user").filter(role="supervisor").order_by("id").first()
    if supervisor is None:
        sys.exit("The bench tenant has no supervisor.")
    total_runs = args.warmups + args.runs + args.count_runs
    print(f"Preparing {tenant.slug} (as {connection.settings_dict['USER']}) ...", flush=True)
    data = prepare(tenant, supervisor, total_runs * 3)
    total, words = pick_search_words(tenant)
    print(f"  {total:,} tickets; search words: {words}", flush=True)

    host = f"{tenant.slug}.localhost"
    client = Client(HTTP_HOST=host)
    sign_in(client, supervisor.user, tenant)
    queue = data["queue"]
    queue_url = f"/desk/queues/{queue.pk}/?status=open&sort=due"
    open_numbers = iter(data["open_numbers"])
    unassigned = iter(data["unassigned_numbers"])
    created = iter(range(10**6))
    run_stamp = int(time.time())  # portal submitters' addresses differ from one bench run to the next
    results_page = Expect(200, 'id="results"')

    def get(url):
        return lambda c, i: c.get(url)

    def get_after_list_change(url):
        # As after an admin renames a queue or an agent joins: the tenant's cached lists are read afresh
        # (the two cache writes of forget() are timed with the request).
        def request(c, i):
            picklists.forget(tenant.pk)
            return c.get(url)

        return request

    def get_with_counts_recomputed(url):
        # As an agent gets the page when the sidebar's 15-second counts have expired (or after a bulk action):
        # the supervisor's cached counts are dropped before each request (the drop is timed with it, ~0.2 ms).
        # Raw Redis keys: the cache's key function names the tenant only inside a request's scope. The keys are
        # found by a SCAN once and then deleted by name (each request writes them again), scanning afresh only
        # when the delete finds none: a SCAN of the whole cache database before every request cost 1-8 ms of
        # the timing once the shared Redis held a few thousand keys, none of it the page's.
        redis = getattr(cache, "client", None)  # django-redis; Django's own RedisCache keeps it in _cache
        redis = redis.get_client(write=True) if redis else cache._cache.get_client(write=True)
        pattern = f"*:t{tenant.pk}:sidebar-counts:{supervisor.pk}:*"
        keys: list = []

        def request(c, i):
            if not (keys and redis.delete(*keys)):
                keys[:] = redis.scan_iter(pattern, count=1000)
                if keys:
                    redis.delete(*keys)
            return c.get(url)

        return request

    def reply(c, i):
        return c.post(f"/desk/tickets/{next(open_numbers)}/reply/", {"kind": "reply", "body": f"Bench reply {i}."})

    def claim(c, i):
        return c.post(f"/desk/tickets/{next(unassigned)}/claim/")

    def create(c, i):
        # An agent reads the confirmation on the ticket page the redirect leads to; this client never follows it,
        # so without this its messages cookie grew by one per run (~230 messages parsed and re-signed each time).
        c.cookies.pop("messages", None)  # MESSAGE_COOKIE_NAME is not set: Django's default name
        n = next(created)
        return c.post(
            "/desk/tickets/new/",
            {
                "email": data["contact_email"], "name": "", "phone": "", "channel": "phone",
                "subject": f"Bench phone call {n}", "body": f"Caller reports the export fails again ({n}).",
                "priority": 2, "queue": "", "category": "",
            },
        )  # fmt: skip

    # One handler for every visitor, as one server process: a new Client per request built the middleware chain
    # again each time (about a thousand Python calls no server pays per request).
    visitor = Client(HTTP_HOST=host)

    def portal_post(c, i):
        # An anonymous visitor each time (no cookies), from their own address and network: the form's
        # per-address and per-network hourly limits stay out of the way, as for real visitors.
        # The address moves on with the run's stamp: the per-network counters live an hour in the shared cache,
        # and runs numbered from 0 each time met their predecessors' counters (429 from the tenth run on).
        n = next(created)
        a = (run_stamp * 1000 + n) % (1 << 24)
        visitor.cookies.clear()
        return visitor.post(
            "/new/",
            {
                "name": "Bench Visitor", "email": f"visitor{run_stamp}-{n}@bench.example", "category": "",
                "subject": f"Cannot export invoices ({n})", "website": "",
                "description": "The export button spins and then nothing happens. Tried twice.",
            },
            REMOTE_ADDR=f"10.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}",
        )  # fmt: skip

    ticket_page = Expect(200, data["big"].subject)
    scenarios = [
        Scenario("queue_p1", f"Queue page 1 (`{queue.name}`, status=open, sort=due)", get(queue_url), 20, True,
                 results_page),
        Scenario("queue_deep", f"Queue page {args.deep_page}", get(f"{queue_url}&page={args.deep_page}"), 50, True,
                 results_page),
        Scenario("ticket", f"Ticket page ({data['big_messages']} messages)",
                 get(f"/desk/tickets/{data['big'].number}/"), 20, expect=ticket_page),
    ]  # fmt: skip
    ticket_url = f"/desk/tickets/{data['big'].number}/"
    scenarios += [
        Scenario("queue_p1_counts", "Queue page 1, sidebar counts recomputed",
                 get_with_counts_recomputed(queue_url), 30, expect=results_page),
        Scenario("queue_p1_lists", "Queue page 1, lists read afresh", get_after_list_change(queue_url), 30,
                 expect=results_page),
        Scenario("ticket_lists", "Ticket page, lists read afresh", get_after_list_change(ticket_url), 30,
                 expect=ticket_page),
        Scenario("all_view", "All tickets view, no search (sort=due)", get("/desk/views/all/"), 50, True, results_page),
        Scenario("escalated_view", "Escalated view (sort=due)", get("/desk/views/escalated/"), 50, True, results_page),
        Scenario("dashboard", "Dashboard", get("/desk/dashboard/"), 50, True, Expect(200, "<h1>Dashboard</h1>")),
    ]  # fmt: skip
    for label, (word, matches) in zip(("rare", "medium", "common"), words, strict=True):
        scenarios.append(
            Scenario(
                f"search_{label}",
                f"Search, {label} word `{word}` ({matches:,} matches)",
                get(f"/desk/views/all/?q={word}"),
                50,
                True,
                results_page,
            )
        )
    (_, _), (medium, _), (common, _) = words
    scenarios += [
        Scenario("search_two_words", f"Search, two words `{medium} {common}`",
                 get(f"/desk/views/all/?q={medium}+{common}"), 50, True, results_page),
        Scenario("search_phrase", f"Search, phrase `\"{common} {medium}\"`",
                 get(f"/desk/views/all/?q=%22{common}+{medium}%22"), 50, True, results_page),
        Scenario("reply", "Reply (POST)", reply, expect=Expect(302, location="/desk/tickets/")),
        Scenario("claim", "Claim (POST, unassigned ticket)", claim, expect=Expect(302, location="/desk/tickets/")),
        Scenario("create", "Agent create ticket (POST)", create, 15, expect=Expect(302, location="/desk/tickets/")),
        Scenario("portal_post", "Portal form POST (anonymous visitor)", portal_post, 15,
                 expect=Expect(302, location="/new/thanks/")),
    ]  # fmt: skip
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s.name for s in scenarios}
        if unknown:
            sys.exit(
                f"Unknown scenario(s): {', '.join(sorted(unknown))}. Known: {', '.join(s.name for s in scenarios)}"
            )
        scenarios = [s for s in scenarios if s.name in wanted]

    load_before = load_average()
    for scenario in scenarios:
        run_scenario(scenario, client, args.warmups, args.runs, connection, args.count_runs)
        p50, p95 = percentile(scenario.times, 50), percentile(scenario.times, 95)
        queries = f"{min(scenario.queries)}-{max(scenario.queries)}" if scenario.queries else "-"
        print(
            f"  {scenario.name:16s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
            f"  queries {queries}  status {sorted(scenario.status)}",
            flush=True,
        )
    load_after = load_average()
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "scenarios": {s.name: {"label": s.label, "times": s.times, "cpu": s.cpu, "queries": s.queries,
                                           "target_ms": s.target_ms} for s in scenarios},
                    "load": [load_before, load_after],
                    "settings": settings_now,
                    "tickets": total,
                }
            )
        )  # fmt: skip
    if args.no_report:
        return 0

    # The search without the LEAKPROOF marking of ts_match_vq (what a stock PostgreSQL has).
    leak_rows = []
    superuser_url = os.environ.get("DATABASE_SUPERUSER_URL")
    if superuser_url and not args.no_leakproof_compare:
        try:
            set_leakproof(superuser_url, False)
            for label, (word, _) in zip(("rare", "medium", "common"), words, strict=True):
                s = Scenario(
                    f"search_{label}_noleak", f"Search, {label} word `{word}`, NOT LEAKPROOF",
                    get(f"/desk/views/all/?q={word}"), 150, True, results_page,
                )  # fmt: skip
                run_scenario(s, client, 1, max(5, args.runs // 4), connection, 1)
                leak_rows.append(s)
                print(f"  {s.name:20s} p50 {percentile(s.times, 50):7.1f} ms  p95 {percentile(s.times, 95):7.1f} ms")
        finally:
            print(f"  ts_match_vq LEAKPROOF restored: {set_leakproof(superuser_url, True)}")

    # EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of the list pages (as the app role, RLS on).
    plans = []
    for scenario in [*scenarios, *leak_rows]:
        if not scenario.explain or not scenario.slowest:
            continue
        for ms, sql in scenario.slowest[:2]:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            if scenario in leak_rows:
                set_leakproof(superuser_url, False)
            try:
                lines = explain(tenant, sql)
            finally:
                if scenario in leak_rows:
                    set_leakproof(superuser_url, True)
            plans.append((scenario, ms, sql, lines))

    report = render_report(args, tenant, total, data, scenarios, leak_rows, plans, connection)
    report += f"\nLoad average (1, 5, 15 min): {load_before} before, {load_after} after the timed runs.\n"
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d-%H%M")
    path = RESULTS / f"{stamp}.md"
    path.write_text(report)
    print(report)
    print(f"Saved {path}")
    return 0


def render_report(args, tenant, total, data, scenarios, leak_rows, plans, connection) -> str:
    machine = machine_info(connection)
    tables, tenants = dataset_info(os.environ["OWNER_DATABASE_URL"])
    out = [f"# Tessera benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M}", ""]
    if args.note:
        out += [args.note, ""]
    out += [
        f"Tenant `{tenant.slug}` with {total:,} tickets, measured as `{connection.settings_dict['USER']}` "
        f"(row-level security on, ATOMIC_REQUESTS={connection.settings_dict['ATOMIC_REQUESTS']}), in-process "
        f"through django.test.Client, {args.warmups} warm-ups + {args.runs} timed runs each; "
        "p50/p95 are nearest-rank; the timed runs capture no queries, they are counted in a separate pass of "
        f"{args.count_runs} run(s) with CaptureQueriesContext (the per-transaction scope `set_config` is not "
        "counted). *Python CPU* is the benchmark process's own CPU time per request (the "
        "Django side without the database's), which a busy neighbour on a shared machine does not inflate as "
        f"much as wall time. Machine speed probe: {speed_probe():.0f} ms for 10 million Python additions.",
        "",
        "| scenario | p50 ms | p95 ms | target p95 | Python CPU p50 ms | queries | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in [*scenarios, *leak_rows]:
        target = f"{s.target_ms}" if s.target_ms else ""
        p95 = percentile(s.times, 95)
        verdict = "" if not s.target_ms else (" ✅" if p95 <= s.target_ms else " ❌")
        if not s.queries:
            q = "-"
        else:
            q = f"{min(s.queries)}" if min(s.queries) == max(s.queries) else f"{min(s.queries)}-{max(s.queries)}"
        out.append(
            f"| {s.label} | {percentile(s.times, 50):.1f} | {p95:.1f}{verdict} | {target} | "
            f"{percentile(s.cpu, 50) if s.cpu else 0:.1f} | {q} | "
            f"{','.join(map(str, sorted(s.status)))} |"
        )
    out += ["", "## Machine", ""]
    out += [f"- {key}: {value}" for key, value in machine.items()]
    out += [f"- PostgreSQL {name}: {value}" for name, value in server_settings(connection).items()]
    out += ["", "## Dataset", ""]
    out += [f"- {name}: ≈{rows:,} rows, {size / 1e6:,.0f} MB with indexes" for name, rows, size in tables]
    out += [f"- tenant {slug}: {n:,} tickets" for slug, n in tenants]
    out += ["", "## Slowest queries and their plans (EXPLAIN ANALYZE, BUFFERS; key lines)", ""]
    for scenario, ms, sql, lines in plans:
        out += [f"### {scenario.label}: {ms:.1f} ms in the last timed run", "", "```sql", sql[:1500], "```", "```"]
        out += [line for line in lines if KEY_PLAN.search(line)]
        out += ["```", ""]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
