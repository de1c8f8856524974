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
import sys
from pathlib import Path

from bench.agent_pages import RESULTS_PAGE, get, page_scenarios, pick_search_words, prepare
from bench.environment import configure_environment
from bench.measure import Scenario, load_average, percentile, run_scenario, server_settings, sign_in
from bench.report import explain, render_report, set_leakproof

RESULTS = Path(__file__).resolve().parent / "results"


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


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    configure_environment(args)
    from django.db import connection
    from django.test import Client

    import config.wsgi  # noqa: F401 - loads the application as gunicorn does (settings, apps, gc.freeze)
    from tenancy.context import tenant_context, unscoped  # noqa: F401
    from tenancy.models import Membership, Tenant

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
    scenarios = page_scenarios(args, tenant, supervisor, data, words, host)
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
                    get(f"/desk/views/all/?q={word}"), 150, True, RESULTS_PAGE,
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


if __name__ == "__main__":
    sys.exit(main())
