"""Reporting benchmarks (issue 17 item 7): the live dashboard's p95, and a 100,000-row CSV export streamed with its
time and peak memory, on the seed_bench dataset.

    python -m tests.harness --shell > /tmp/bench-svc.env &  &&  source <(grep export /tmp/bench-svc.env)
    manage.py migrate && manage.py seed_bench --tickets 125000 --tenants 2   # acme-bench gets 100,000 tickets
    python -m bench.reporting_dashboard [--runs 30] [--export-base all]

seed_bench writes tickets, messages and events but no SLA targets, ratings or availability; the first run adds
them with set-based SQL in the measured tenant (as the application role, row-level security on), once:
- a running resolution target on every open ticket, due between 4 h ago and 44 h ahead (so ~8 % are breached
  and ~4 % at risk), warned 2 h before due; a met (9 in 10) or met-late resolution target on every resolved
  ticket at its resolved_at, and a met first-response target at first_response_at;
- a rating (1-5) on a third of the resolved tickets, given when it was resolved;
- every other agent and supervisor online.

Then, in-process (Django test Client through the whole middleware stack, as bench/run.py does):
1. the supervisor's dashboard page and each of its panels (the 30-second refreshes), and an agent's personal page:
   p50/p95 over --runs after 3 warm-ups, with the queries each runs;
2. the export of the tenant's "All tickets" list streamed (the stream limit raised above its size), read to the end:
   wall time, rows, bytes, and this process's resident memory sampled every 5,000 rows (its growth over the
   baseline is the memory the export holds); the same for one queue (about an eighth of the rows), to show the
   growth does not follow the size; and the same list built by the background job's code path (run_export).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# Tickets the services already gave a target of the kind (created by another bench meanwhile) keep theirs.
_WITHOUT = (
    " AND NOT EXISTS (SELECT 1 FROM sla_slatarget s WHERE s.tenant_id = tickets_ticket.tenant_id"
    " AND s.ticket_id = tickets_ticket.id AND s.kind = '{kind}')"
)


def prepare(tenant) -> None:
    """Add SLA targets, ratings and online agents to the seeded tenant, once."""
    from django.db import connection, transaction

    from sla import services as sla_services
    from sla.models import SlaPolicy
    from tenancy.actors import Automation
    from tenancy.context import tenant_context

    with tenant_context(tenant):
        # The bench's own policy marks the data as added: other benches on the same database (routing) create
        # tickets through the services meanwhile, and those get SLA targets of their own.
        if SlaPolicy.objects.filter(name="Bench").exists():
            return
        actor = Automation("reporting bench")
        calendar = sla_services.create_calendar(
            actor=actor, name="Bench office", time_zone="Europe/Berlin", hours=[[[0, 1440]]] * 7
        )
        policy = sla_services.create_policy(
            actor=actor, name="Bench", calendar=calendar, is_default=False,
            targets={"2": {"resolution": {"seconds": 144000, "business": False}}},
        )  # fmt: skip
        params = {"t": tenant.pk, "policy": policy.pk, "cal": calendar.pk}
        columns = (
            "tenant_id, ticket_id, kind, policy_id, policy_version, calendar_id, business, goal_seconds, state, "
            "started_at, run_started_at, used_seconds, due_at, warn_at, met_at, seconds_to_met, next_check_at, "
            "updated_at"
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO sla_slatarget ({columns}) SELECT tenant_id, id, 'resolution', %(policy)s, 1, %(cal)s, "
                "false, 144000, 'running', created_at, created_at, 0, "
                "now() + ((id %% 2880) - 240) * interval '1 minute', "
                "now() + ((id %% 2880) - 360) * interval '1 minute', "
                "NULL, NULL, now() + ((id %% 2880) - 240) * interval '1 minute', now() "
                "FROM tickets_ticket WHERE tenant_id = %(t)s AND is_open" + _WITHOUT.format(kind="resolution"),
                params,
            )
            running = cursor.rowcount
            cursor.execute(
                f"INSERT INTO sla_slatarget ({columns}) SELECT tenant_id, id, 'resolution', %(policy)s, 1, %(cal)s, "
                "false, 144000, CASE WHEN id %% 10 = 0 THEN 'breached' ELSE 'met' END, created_at, created_at, 0, "
                "NULL, NULL, resolved_at, 3600, NULL, now() "
                "FROM tickets_ticket WHERE tenant_id = %(t)s AND resolved_at IS NOT NULL"
                + _WITHOUT.format(kind="resolution"),
                params,
            )
            decided = cursor.rowcount
            cursor.execute(
                f"INSERT INTO sla_slatarget ({columns}) SELECT tenant_id, id, 'first_response', %(policy)s, 1, "
                "%(cal)s, false, 14400, 'met', created_at, created_at, 0, NULL, NULL, first_response_at, 600, NULL, "
                "now() FROM tickets_ticket WHERE tenant_id = %(t)s AND first_response_at IS NOT NULL"
                + _WITHOUT.format(kind="first_response"),
                params,
            )
            first = cursor.rowcount
            cursor.execute(
                "INSERT INTO tickets_satisfactionrating (tenant_id, ticket_id, contact_id, score, comment, created_at, "
                "updated_at) SELECT tenant_id, id, contact_id, 1 + id %% 5, '', resolved_at, resolved_at "
                "FROM tickets_ticket WHERE tenant_id = %(t)s AND resolved_at IS NOT NULL AND id %% 3 = 0 "
                "ON CONFLICT DO NOTHING",
                params,
            )
            ratings = cursor.rowcount
            cursor.execute(
                "UPDATE tenancy_membership SET availability = 'online' "
                "WHERE tenant_id = %(t)s AND role IN ('agent', 'supervisor') AND id %% 2 = 0",
                params,
            )
        print(
            f"  added {running:,} running, {decided:,} decided resolution and {first:,} first-response targets, "
            f"{ratings:,} ratings ({time.perf_counter() - started:.1f}s)",
            flush=True,
        )
    owner = os.environ["OWNER_DATABASE_URL"]
    subprocess.run(
        ["psql", owner, "-qc", "ANALYZE sla_slatarget; ANALYZE tickets_satisfactionrating; ANALYZE tenancy_membership"],
        check=True,
    )


def signed_in_client(tenant, membership):
    from django.test import Client

    from tenancy.middleware import SESSION_HOST_KEY

    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(membership.user)  # the first backend that loads users, as in bench.run
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()
    return client


def time_get(client, url: str, *, runs: int, warmups: int = 3) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for i in range(warmups + runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= warmups:
            times.append(elapsed)
    return percentile(times, 50), percentile(times, 95), len(captured)


def stream(client, url: str) -> dict:
    baseline = rss_mb()
    peak = baseline
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, (url, response.status_code)
    rows = size = 0
    first_byte = None
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        rows += 1
        size += len(chunk)
        if rows % 5000 == 0:
            peak = max(peak, rss_mb())
    response.close()
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mb())
    return {"rows": rows - 1, "bytes": size, "seconds": elapsed, "first_byte": first_byte, "grew": peak - baseline}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme-bench")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args(argv)
    from bench.environment import configure_environment

    configure_environment(args)
    from django.conf import settings

    import config.wsgi  # noqa: F401 - the application as gunicorn loads it
    from reporting.exports import services as export_services
    from reporting.models import ExportJob
    from tenancy.context import tenant_context
    from tenancy.models import Membership, Tenant
    from tickets.models import Queue, Ticket

    tenant = Tenant.objects.filter(slug=args.tenant).first()
    if tenant is None:
        sys.exit(f"No tenant {args.tenant!r}: run seed_bench first.")
    print(f"uptime: {subprocess.check_output(['uptime'], text=True).strip()}", flush=True)
    prepare(tenant)
    with tenant_context(tenant):
        supervisor = Membership.objects.select_related("user").filter(role="supervisor").order_by("id").first()
        agent = Membership.objects.select_related("user").filter(role="agent").order_by("id").first()
        total = Ticket.objects.count()
        queue = Queue.objects.order_by("name").first()
    print(f"{tenant.slug}: {total:,} tickets", flush=True)

    boss = signed_in_client(tenant, supervisor)
    print("\n| request | p50 ms | p95 ms | queries |\n| --- | --- | --- | --- |")
    for label, client, url in [
        ("dashboard page (supervisor)", boss, "/desk/dashboard/"),
        ("panel summary", boss, "/desk/dashboard/panels/summary/"),
        ("panel risk", boss, "/desk/dashboard/panels/risk/"),
        ("panel backlog", boss, "/desk/dashboard/panels/backlog/"),
        ("panel agents", boss, "/desk/dashboard/panels/agents/"),
        ("dashboard page (agent, personal)", signed_in_client(tenant, agent), "/desk/dashboard/"),
    ]:
        p50, p95, queries = time_get(client, url, runs=args.runs)
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {queries} |", flush=True)
    print(f"uptime: {subprocess.check_output(['uptime'], text=True).strip()}", flush=True)

    if args.skip_export:
        return 0
    settings.REPORTING_EXPORT_STREAM_LIMIT = 10**9  # stream whatever the size: the job path is measured below
    print("\n| export | rows | MB | seconds | first byte s | RSS growth MB |\n| --- | --- | --- | --- | --- | --- |")
    for label, url in [
        (f"queue {queue.name}", f"/desk/exports/tickets/?base=queue:{queue.pk}&sort=created"),
        ("All tickets, sort=created", "/desk/exports/tickets/?base=all&sort=created"),
        ("All tickets, sort=due", "/desk/exports/tickets/?base=all"),
    ]:
        found = stream(boss, url)
        print(
            f"| streamed: {label} | {found['rows']:,} | {found['bytes'] / 1e6:.1f} | {found['seconds']:.1f} | "
            f"{found['first_byte']:.2f} | {found['grew']:.1f} |",
            flush=True,
        )
    with tenant_context(tenant):
        job = ExportJob.objects.create(
            requested_by=supervisor, base="all", query="sort=created", title="All tickets", filename="bench.csv"
        )
        baseline = rss_mb()
        started = time.perf_counter()
        job = export_services.run_export(job_id=job.pk)
        elapsed = time.perf_counter() - started
        grew = rss_mb() - baseline
        print(
            f"| background job (run_export to storage) | {job.rows:,} | {job.file.size / 1e6:.1f} | {elapsed:.1f} | "
            f"- | {grew:.1f} (end of run) |"
        )
        job.file.delete(save=False)
    print(f"uptime: {subprocess.check_output(['uptime'], text=True).strip()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
