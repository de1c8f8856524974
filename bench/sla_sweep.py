"""SLA sweep benchmark (issue 16): one sweep over the due targets of a tenant with many open tickets.

    HARNESS_DURABLE=1 python -m tests.harness python -m bench.sla_sweep [--open 200000] [--due 2000]

Migrates as the owner, then works as the application role (row-level security on). One tenant, one queue whose
team holds an agent and a supervisor, a 24x7 policy. Open tickets are bulk-inserted, each with a running
resolution target: the not-due ones a day ahead, the due ones breached a minute ago (each breach is recorded,
its event written, and the assignee and the supervisor are notified: two notifications and their mails).

Three measurements, each one sweep of the whole tenant (all batches, all commits), so the time is seen to follow
the due targets and not the open total:
  A. open/4 open tickets, `due` of them due;
  B. `open` open tickets, `due` of them due (the issue's 200,000 and 1 %);
  C. the same plus 2 x `due` newly due (the earlier ones are breached and off the sweep's index).
Then a second sweep at the same moment (nothing to do) and the query plan of the candidate read.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=2_000)
    args = parser.parse_args(argv)
    from bench.environment import configure_environment

    configure_environment(args)
    owner_env = {**os.environ, "DATABASE_URL": os.environ["OWNER_DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from sla import services as sla_services
    from sla.models import SlaAlert, SlaTarget, always_hours
    from sla.sweep import sweep
    from tenancy.actors import Automation
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Membership, Tenant, User
    from tenancy.roles import Role
    from tickets.models import Contact, Notification, Queue, Team, TeamMembership, Ticket

    slug = f"sweepbench{int(time.time())}"
    with unscoped():
        tenant = Tenant.objects.create(slug=slug, name="Sweep bench", ticket_prefix="SW")
    actor = Automation("sla bench")
    hour = 3600
    targets = {str(p): {"resolution": {"seconds": 8 * hour, "business": False}} for p in (1, 2, 3, 4)}
    with tenant_context(tenant):
        team = Team.objects.create(name="Bench")
        queue = Queue.objects.create(name="General", team=team, is_default=True)
        contact = Contact.objects.create(email="bench@example.com", name="Bench")
        people = {}
        for role in (Role.AGENT, Role.SUPERVISOR):
            user = User.objects.create_user(email=f"{role}-{slug}@example.com", password=None)
            people[role] = Membership.objects.create(user=user, role=role)
            TeamMembership.objects.create(team=team, membership=people[role])
        calendar = sla_services.create_calendar(actor=actor, name="24x7", time_zone="UTC", hours=always_hours())
        policy = sla_services.create_policy(
            actor=actor, name="Bench", calendar=calendar, targets=targets, is_default=True
        )
        state = {"number": 0}

        def seed(count: int, *, due: bool) -> None:
            """`count` open tickets with a running resolution target, due a minute ago or a day ahead."""
            now = timezone.now()
            started = now - timedelta(hours=8, minutes=1) if due else now
            due_at = started + timedelta(hours=8)
            warn_at = started + timedelta(hours=6, minutes=24)
            for chunk in range(0, count, 5000):
                size = min(5000, count - chunk)
                rows = []
                for _ in range(size):
                    state["number"] += 1
                    rows.append(
                        Ticket(tenant_id=tenant.pk, number=state["number"], subject="Bench", contact=contact,
                               queue=queue, team=team, assignee=people[Role.AGENT], priority=2, created_at=started,
                               updated_at=started, next_due_at=due_at, resolution_due_at=due_at)
                    )  # fmt: skip
                with transaction.atomic():
                    made = Ticket.objects.bulk_create(rows, batch_size=1000)
                    SlaTarget.objects.bulk_create(
                        [
                            SlaTarget(tenant_id=tenant.pk, ticket_id=t.pk, kind="resolution", policy=policy,
                                      policy_version=1, calendar=calendar, business=False, goal_seconds=8 * hour,
                                      state="running", started_at=started, run_started_at=started, due_at=due_at,
                                      warn_at=warn_at, next_check_at=warn_at)
                            for t in made
                        ],
                        batch_size=1000,
                    )  # fmt: skip

        def measure(label: str, open_total: int, due: int) -> float:
            seeded = Ticket.objects.count()
            started = time.perf_counter()
            seed(max(0, open_total - due - seeded), due=False)
            seed(due, due=True)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE sla_slatarget")
            seeding = time.perf_counter() - started
            before = SlaAlert.objects.count(), Notification.objects.count()
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                result = profiler.runcall(sweep)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            else:
                result = sweep()
            elapsed = time.perf_counter() - started
            after = SlaAlert.objects.count(), Notification.objects.count()
            print(
                f"{label}: {Ticket.objects.count():,} open tickets, {due:,} due: one sweep {elapsed:.2f} s "
                f"({elapsed / max(due, 1) * 1000:.2f} ms per due target; {result.batches} batches, "
                f"{after[0] - before[0]:,} breaches, {after[1] - before[1]:,} notifications; seeding {seeding:.0f} s)"
            )
            return elapsed

        measure("A", args.open // 4, args.due)
        measure("B", args.open, args.due)
        measure("C", args.open, 2 * args.due)
        started = time.perf_counter()
        idle = sweep()
        print(f"again at once: {time.perf_counter() - started:.3f} s, {idle.breaches} breaches (nothing due)")
        now = timezone.now()
        plan_sql, params = (
            SlaTarget.objects.filter(state="running", next_check_at__lte=now)
            .order_by("next_check_at", "pk")
            .values_list("pk", "ticket_id", "next_check_at")[:500]
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {plan_sql}", params)
            print("candidate read plan:", " | ".join(row[0].strip() for row in cursor.fetchall()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}; database: {database}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
