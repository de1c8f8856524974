"""Reports benchmark (issue 17): each report over the last 90 days, p50/p95 server-side, with its query count.

    python -m tests.harness --shell > /tmp/bench-svc.env &  ;  source <(grep export /tmp/bench-svc.env)
    SECRET_KEY=x python manage.py migrate && SECRET_KEY=x python manage.py seed_bench --quick   # as the owner
    python -m bench.reporting_reports [--tenant acme-bench] [--runs 10] [--warmups 2] [--days 90]

Connects as the APPLICATION role (row-level security on), signs in the tenant's supervisor and times each report
page (HTML) and its CSV through Django's test Client, as bench/run.py does for the agent pages. Prints the
machine's load (uptime) beside the numbers, and the three slowest statements of each report (their time) with
--explain. The seeded data has no SLA targets and no ratings (seed_bench writes tickets, messages and events):
the SLA report's and the satisfaction figures' timings are those of empty joins; see the note in the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme-bench")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--only", default="", help="comma-separated report names (default: all)")
    parser.add_argument("--explain", action="store_true", help="print the three slowest statements of each report")
    args = parser.parse_args(argv)
    from bench.environment import configure_environment

    configure_environment(args)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reporting.reports.views import REPORTS
    from tenancy.context import tenant_context
    from tenancy.middleware import SESSION_HOST_KEY
    from tenancy.models import Membership, Tenant
    from tenancy.times import zone_for
    from tickets.models import Ticket

    tenant = Tenant.objects.filter(slug=args.tenant).first()
    if tenant is None:
        sys.exit(f"No tenant {args.tenant!r}: run `manage.py seed_bench` first (as the owner).")
    with tenant_context(tenant):
        supervisor = Membership.objects.select_related("user").filter(role="supervisor").order_by("id").first()
        newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        total = Ticket.objects.count()
    end = newest.astimezone(zone_for(tenant=tenant)).date()
    start = end - timedelta(days=args.days - 1)
    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(supervisor.user)
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()

    only = [name for name in args.only.split(",") if name] or list(REPORTS)
    query = f"start={start}&end={end}&interval=day"
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"# Reports benchmark, {tenant.slug}: {total:,} tickets; {start} to {end} ({args.days} days)")
    print(f"Machine: {platform.node()}, {os.cpu_count()} CPUs; PostgreSQL as {connection.settings_dict['USER']}")
    print(f"Load before: {uptime}\n")
    print("| report | queries | p50 ms | p95 ms | CSV p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in only:
        url = f"/desk/reports/{name}/?{query}"
        timings, csv_timings = [], []
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        queries = len(captured)
        for run in range(args.warmups + args.runs):
            began = time.perf_counter()
            assert client.get(url).status_code == 200
            page = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            download = client.get(url + "&format=csv")
            b"".join(download.streaming_content)
            csv_ms = (time.perf_counter() - began) * 1000
            if run >= args.warmups:
                timings.append(page)
                csv_timings.append(csv_ms)
        print(f"| {name} | {queries} | {percentile(timings, 50):.0f} | {percentile(timings, 95):.0f} | "
              f"{percentile(csv_timings, 95):.0f} |", flush=True)  # fmt: skip
        if args.explain:
            _explain(connection, captured)
    print(f"\nLoad after: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    return 0


def _explain(connection, captured) -> None:
    """The slowest statements of one report, each with its plan's top lines (run in the tenant's RLS scope)."""
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    for query in slowest:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print(f"\n    {float(query['time']) * 1000:.0f} ms: {sql[:300]}...")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
