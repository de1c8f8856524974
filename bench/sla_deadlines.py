"""SLA benchmarks (issue 15): deadline computation per ticket, the cost SLA adds to a new ticket, re-applying a
policy to many open tickets.

    HARNESS_DURABLE=1 python -m tests.harness python -m bench.sla_deadlines [--reapply 100000]

Migrates as the owner, then as the application role (row-level security on):
1. deadlines: a Berlin office calendar (Mon-Fri 08-18) with German public holidays and 365 one-off holidays of
   its own (a year of holidays), compiled once (loading excluded, as the cache per calendar version does); then
   for 5,000 tickets opened at random moments of a year, the three targets and their warnings computed by the clock
   rules (sla.clocks.replay of a "created" event): time per ticket, on a cold day memo and warm;
2. creation: p95 of create_ticket alone, and of the SLA subscriber's work on that new ticket (recompute from its
   history and store the targets, due columns and clock log), measured separately on the same tickets (SLA adds
   no statement to create_ticket: its work runs in the feed drain);
3. re-apply: N open tickets with running targets (rows bulk-inserted), the policy edited, `run_reapply` timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * pct / 100 + 0.5) - 1)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadlines", type=int, default=5_000)
    parser.add_argument("--creations", type=int, default=300)
    parser.add_argument("--reapply", type=int, default=100_000)
    args = parser.parse_args(argv)
    from bench.environment import configure_environment

    configure_environment(args)
    owner_env = {**os.environ, "DATABASE_URL": os.environ["OWNER_DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    from django.db import connection, transaction

    from sla import clocks
    from sla import services as sla_services
    from sla.business_time import Holiday, compile_calendar
    from sla.engine import recompute_ticket
    from sla.models import SlaTarget
    from sla.reapply import run_reapply
    from tenancy.actors import Automation
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Tenant
    from tickets import services
    from tickets.models import Contact, Queue, Team, Ticket

    rng = random.Random(15)  # noqa: S311 - reproducible benchmark data
    office = [[[480, 1080]]] * 5 + [[], []]
    targets = {
        str(p): {
            kind: {"seconds": hours * 3600, "business": True}
            for kind, hours in zip(("first_response", "next_update", "resolution"), row, strict=True)
        }
        for p, row in {1: (8, 16, 80), 2: (4, 8, 40), 3: (2, 4, 16), 4: (1, 2, 8)}.items()
    }

    # ---- 1. deadline computation ----
    own = []
    day = date(2025, 1, 1)
    while len(own) < 365:
        own.append(Holiday(day=day + timedelta(days=len(own) * 3 % 1000)))
    calendar = compile_calendar(
        zone_name="Europe/Berlin", hours=office, country="DE", own_holidays=own, key=("bench", 1, 1)
    )
    terms = clocks.Terms(
        policy_id=1, policy_name="Bench", version=1, calendar_id=1, calendar=calendar, targets=targets,
        warn_percent=80,
    )  # fmt: skip
    attributes = clocks.Attributes(
        priority=2, queue_id=1, category_id=None, channel="web", tier="standard", organisation_id=None
    )
    starts = [
        datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 365 * 86400)) for _ in range(args.deadlines)
    ]
    for name in ("cold", "warm"):
        started = time.perf_counter()
        for start in starts:
            created = clocks.Event(id=1, kind="created", at=start)
            clocks.replay(created_at=start, current=attributes, events=[created], resolve=lambda _a: terms)
        per_ticket = (time.perf_counter() - started) / len(starts) * 1000
        print(f"deadlines ({name} day memo): {per_ticket:.3f} ms per ticket (3 targets + warnings), {len(starts):,}")

    # ---- the tenant ----
    slug = f"slabench{int(time.time())}"
    with unscoped():
        tenant = Tenant.objects.create(slug=slug, name="SLA bench", ticket_prefix="SB")
    actor = Automation("sla bench")
    with tenant_context(tenant):
        team = Team.objects.create(name="Bench")
        queue = Queue.objects.create(name="General", team=team, is_default=True)
        contact = Contact.objects.create(email="bench@example.com", name="Bench")
        cal = sla_services.create_calendar(
            actor=actor, name="Office", time_zone="Europe/Berlin", hours=office, holiday_country="DE"
        )
        policy = sla_services.create_policy(
            actor=actor, name="Standard", calendar=cal, targets=targets, is_default=True
        )

        # ---- 2. creation with and without SLA ----
        create, sla = [], []
        for n in range(args.creations):
            started = time.perf_counter()
            ticket = services.create_ticket(actor=contact, contact=contact, subject=f"Bench {n}", body="Hello.")
            middle = time.perf_counter()
            recompute_ticket(ticket_id=ticket.pk)
            ended = time.perf_counter()
            create.append((middle - started) * 1000)
            sla.append((ended - middle) * 1000)
        warm = slice(20, None)
        print(
            f"create_ticket p95 {percentile(create[warm], 95):.2f} ms (p50 {percentile(create[warm], 50):.2f}); "
            f"SLA's work per new ticket p95 {percentile(sla[warm], 95):.2f} ms (p50 {percentile(sla[warm], 50):.2f}); "
            f"both p95 {percentile([a + b for a, b in zip(create, sla, strict=True)][warm], 95):.2f} ms"
        )

        # The same inside one outer transaction (savepoints, no commit): the statements' cost without the fsync of a
        # durable commit, which dominates both numbers above on a shared disk.
        create, sla = [], []
        with transaction.atomic():
            for n in range(args.creations):
                started = time.perf_counter()
                ticket = services.create_ticket(actor=contact, contact=contact, subject=f"Bench {n}", body="Hello.")
                middle = time.perf_counter()
                recompute_ticket(ticket_id=ticket.pk)
                ended = time.perf_counter()
                create.append((middle - started) * 1000)
                sla.append((ended - middle) * 1000)
        print(
            f"without commits: create_ticket p95 {percentile(create[warm], 95):.2f} ms "
            f"(p50 {percentile(create[warm], 50):.2f}); SLA's work p95 {percentile(sla[warm], 95):.2f} ms "
            f"(p50 {percentile(sla[warm], 50):.2f})"
        )

        # ---- 3. re-apply ----
        n = args.reapply
        started = time.perf_counter()
        opened = datetime(2025, 1, 6, 8, tzinfo=UTC)
        base = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
        for chunk in range(0, n, 5000):
            rows = [
                Ticket(
                    tenant_id=tenant.pk,
                    number=base + 1 + i,
                    subject="Bulk",
                    contact=contact,
                    queue=queue,
                    team=team,
                    priority=2,
                    created_at=opened + timedelta(minutes=i % 50_000),
                    updated_at=opened,
                )
                for i in range(chunk, min(n, chunk + 5000))
            ]
            with transaction.atomic():
                made = Ticket.objects.bulk_create(rows, batch_size=1000)
                SlaTarget.objects.bulk_create(
                    [
                        SlaTarget(
                            tenant_id=tenant.pk,
                            ticket_id=t.pk,
                            kind="resolution",
                            policy=policy,
                            policy_version=1,
                            calendar=cal,
                            goal_seconds=40 * 3600,
                            state="running",
                            started_at=t.created_at,
                            run_started_at=t.created_at,
                            due_at=t.created_at,
                            next_check_at=t.created_at,
                        )
                        for t in made
                    ],
                    batch_size=1000,
                )
        seeded = time.perf_counter() - started
        changed = {**targets, "2": {**targets["2"], "resolution": {"seconds": 20 * 3600, "business": True}}}
        policy = sla_services.update_policy(actor=actor, policy=policy, targets=changed)
        with transaction.atomic():
            job = sla_services.request_reapply(actor=actor, policy=policy)
        started = time.perf_counter()
        job = run_reapply(job_id=job.pk)
        elapsed = time.perf_counter() - started
        print(
            f"re-apply: {job.done:,} targets of {n:,} open tickets in {elapsed:.1f} s "
            f"({job.done / elapsed:,.0f} per second; seeding took {seeded:.0f} s), status {job.status}"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; database: {database}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
