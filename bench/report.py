"""What bench.run's markdown report shows beside the timings: the machine, the dataset, the plans of the slowest
list queries (EXPLAIN ANALYZE, BUFFERS; key lines), and the LEAKPROOF switch its comparison flips."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

from bench.measure import percentile, server_settings, speed_probe

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
