"""Routing end to end (issue 14): a real Celery worker routing new tickets as they arrive, commit to routed.

    source <(grep export /tmp/bench-svc.env)     # the harness environment (python -m tests.harness --shell)
    python -m bench.routing_end_to_end [--tenant acme-bench] [--burst 2000] [--rate 100] [--seconds 30]

As the application role (row-level security on), in `--tenant` (made, small, when it does not exist; the
1,000,000-ticket seed's acme-bench holds 800,000): publishes `--rules` rules (bench.routing_rules' mix, each
setting a queue and a priority, a quarter adding tags), sets every queue's strategy to least-loaded, puts the
staff online with room for every new ticket, so each ticket takes the whole path: the rules, update_ticket, the
decision, the strategy's locked candidates and the assignment, then every other feed subscriber (SLA, webhooks,
the knowledge base's deflection) on the entries these make. Then, with one worker process (`celery worker -c 1`)
consuming the drain tasks the requests publish:

1. burst: `--burst` tickets opened while the worker is stopped, then the worker started: tickets routed per
   second until the last is routed (the worker's capacity, all subscribers included);
2. steady: `--producers` processes open tickets through `create_ticket` at `--rate` a second in total for
   `--seconds`; each records the moment its transaction committed; this process polls the decisions every
   `--poll-ms` (25) and records when each became visible (so a latency reads up to that much high). Prints
   p50/p95/max of commit to routed, and the rates achieved.

The producers, the worker, PostgreSQL and this poller share the machine: on 2 cores the producers' own cost
bounds the rate they reach (printed beside the target).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.process_cpu import Sampling, postgres_category


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def _setup_django(args) -> None:
    from bench.environment import configure_environment

    configure_environment(args)
    import django

    django.setup()


def produce(argv: list[str]) -> int:
    """One producer: `--produce TENANT RATE AMOUNT SEED OUT` opens tickets at RATE a second for AMOUNT seconds
    (with RATE 0: AMOUNT tickets as fast as it goes), writes "ticket_id committed_at" lines to OUT."""
    slug, rate, amount, seed, out = argv[0], float(argv[1]), float(argv[2]), int(argv[3]), argv[4]
    _setup_django(argparse.Namespace())
    from bench.routing_rules import text
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Tenant
    from tickets import services
    from tickets.models import Contact

    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data
    gc.freeze()  # as the web processes it stands in for do once loaded (config.wsgi)
    with unscoped():
        tenant = Tenant.objects.get(slug=slug)
    lines = []
    with tenant_context(tenant):
        contacts = list(Contact.objects.filter(email__endswith=".e2e.example").order_by("pk")[:200])
        interval, started = (1.0 / rate if rate else 0.0), time.time()
        n = 0
        while (time.time() - started < amount) if rate else (n < amount):
            due, now = started + n * interval, time.time()
            if due > now:
                time.sleep(due - now)
            contact = contacts[(seed * 7 + n) % len(contacts)]
            ticket = services.create_ticket(actor=contact, contact=contact, subject=text(rng, 20, 80),
                                            body=text(rng, 300, 800))  # fmt: skip
            lines.append(f"{ticket.pk} {time.time():.6f}\n")
            n += 1
    Path(out).write_text("".join(lines))
    return 0


def prepare(slug: str, rules_count: int, agents: int):
    """The tenant with a team of `agents` agents (online, room for every new ticket) behind 8 least-loaded queues
    the rules route to (the seeded agents each own ~1,600 open tickets: every one would be at any real capacity),
    the rules published, and the producers' requesters."""
    from django.contrib.auth import get_user_model

    from bench.routing_rules import stored_rules
    from routing.models import RuleSetVersion
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Membership, Tenant
    from tickets.models import Category, Contact, Organisation, Queue, Team, TeamMembership, Ticket

    rng = random.Random(14)  # noqa: S311 - reproducible benchmark data
    with unscoped():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            tenant = Tenant.objects.create(slug=slug, name="Routing end to end", ticket_prefix="RE")
    with tenant_context(tenant):
        team = Team.objects.filter(name="Routing e2e").first() or Team.objects.create(name="Routing e2e")
        if not Queue.objects.filter(is_default=True).exists():
            Queue.objects.create(name="General", team=team, is_default=True)
        for n in range(8):
            Queue.objects.get_or_create(name=f"Routing e2e {n}", defaults={"team": team})
        queues = list(Queue.objects.filter(name__startswith="Routing e2e").order_by("pk"))
        Queue.objects.filter(pk__in=[q.pk for q in queues]).update(assignment_strategy="least_loaded")
        for n in range(agents - TeamMembership.objects.filter(team=team).count()):
            email = f"e2e-agent{n}-{int(time.time())}@{slug}.e2e.example"
            user = get_user_model().objects.create_user(email=email, password=None)
            member = Membership.objects.create(user=user, role="agent")
            TeamMembership.objects.create(team=team, membership=member)
        staff = Membership.objects.filter(pk__in=TeamMembership.objects.filter(team=team).values("membership_id"))
        staff.update(availability=Membership.Availability.ONLINE, capacity=32000)
        # Every run starts with the team's hands free: the tickets earlier runs gave them are unassigned (a bench
        # fixture, not a desk's history). Otherwise each run of ~3,000 tickets added ~250 open tickets to every
        # agent's load, which assignment counts for each batch, and later runs measured a slower desk. Not through
        # tickets.services: that would put ~3,000 changes on the feed for the measured worker to drain first.
        Ticket.objects.filter(assignee__in=staff, is_open=True).update(assignee=None)
        categories = list(Category.objects.filter(parent__isnull=True).order_by("pk")[:10])
        if not categories:
            categories = [Category.objects.create(name=f"C{n}") for n in range(10)]
        orgs = list(Organisation.objects.order_by("pk")[:40])
        if not orgs:
            orgs = [Organisation.objects.create(name=f"Org {n}") for n in range(40)]
        rules = stored_rules(rules_count, queue_ids=[q.pk for q in queues], category_ids=[c.pk for c in categories],
                             org_ids=[o.pk for o in orgs], rng=rng)  # fmt: skip
        number = (RuleSetVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        RuleSetVersion.objects.create(number=number, rules=rules, published_by_automation="bench")
        for n in range(200 - Contact.objects.filter(email__endswith=".e2e.example").count()):
            Contact.objects.create(email=f"p{n}@org{n % 40}.e2e.example", organisation=orgs[n % len(orgs)],
                                   tier="vip" if n % 10 == 0 else "standard")  # fmt: skip
        return tenant, staff.count(), len(queues)


class Worker:
    """`celery worker -c 1` as a subprocess, on the harness broker, as the application role."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-P", "prefork",
                   "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "WARNING"]  # fmt: skip
        self.process = subprocess.Popen(command, env=dict(os.environ))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)


def watch(tenant, wanted: set[int] | None, until: float, seen: dict[int, float], after: int, pause: float) -> int:
    """Poll the decisions every `pause` seconds until `wanted` are all seen (or `until`); return the last
    decision id.

    One statement a poll on a connection of its own (the table owner's, filtering on the tenant itself): through
    the ORM under the tenant's scope each poll was five round trips (the health check, BEGIN, the setting, the
    query, COMMIT), 500 a second, and the poller took a quarter of a core from the two the measured processes
    share."""
    import psycopg

    from routing.models import RoutingDecision

    sql = f"SELECT id, ticket_id FROM {RoutingDecision._meta.db_table} WHERE tenant_id = %s AND id > %s ORDER BY id"
    with psycopg.connect(os.environ["OWNER_DATABASE_URL"], autocommit=True) as owner, owner.cursor() as cursor:
        while time.time() < until:
            rows = cursor.execute(sql, [tenant.pk, after]).fetchall()
            now = time.time()
            for pk, ticket_id in rows:
                seen.setdefault(ticket_id, now)
                after = pk
            if wanted is not None and wanted <= seen.keys():
                break
            time.sleep(pause)
    return after


def start_producers(slug: str, rate: float, amount: float, producers: int, tag: str) -> list:
    """`producers` processes opening tickets: at `rate` a second in total for `amount` seconds, or (rate 0)
    `amount` tickets each as fast as they go."""
    running = []
    for p in range(producers):
        out = f"/tmp/routing-e2e-{tag}-{p}.txt"  # noqa: S108 - a benchmark's scratch file
        command = [sys.executable, "-m", "bench.routing_end_to_end", "--produce", slug, str(rate / producers),
                   str(amount), str(p + 1 + (100 if tag == "burst" else 0)), out]  # fmt: skip
        running.append((subprocess.Popen(command, env=dict(os.environ)), out))
    return running


def committed(running: list) -> dict[int, float]:
    times: dict[int, float] = {}
    for process, out in running:
        process.wait()
        for line in Path(out).read_text().splitlines():
            ticket_id, at = line.split()
            times[int(ticket_id)] = float(at)
    return times


def _classifier(worker: Worker):
    """Who is who in the steady phase: the worker's processes (its main process and the pool's), the producers
    this process started, this process (the poller), PostgreSQL and its autovacuum."""
    me = os.getpid()

    def classify(pid: int, parent: int, command: str) -> str | None:
        root = worker.process.pid if worker.process is not None else None
        if root is not None and root in (pid, parent):
            return "worker"
        if parent == me and "--produce" in command:
            return "producers"
        if pid == me:
            return "poller"
        return postgres_category(command)

    return classify


def main(argv: list[str]) -> int:
    if argv[:1] == ["--produce"]:
        return produce(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="acme-bench")
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--burst-producers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--poll-ms", type=float, default=25.0, help="how often the poller reads the decisions")
    args = parser.parse_args(argv)
    # The assignment mails are composed and marked sent, then dropped (the worker and producers inherit this): the
    # settings' default, the console, is a developer's; Celery logs a worker's stdout line by line as warnings.
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    _setup_django(args)
    from django.db import connection

    from routing.models import RoutingDecision
    from tenancy.context import tenant_context
    from tenancy.outbox import take_waiting
    from tickets.feed.recording import DRAIN_TASK
    from tickets.models import Ticket

    tenant, staff, queues = prepare(args.tenant, args.rules, args.agents)
    pause = args.poll_ms / 1000
    with tenant_context(tenant):
        tickets = Ticket.objects.count()
        last = RoutingDecision.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', "
            "'work_mem', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; database: {database}")
    print(f"tenant {args.tenant}: {tickets:,} tickets, {staff} staff online, {queues} queues (least-loaded), "
          f"{args.rules} rules; load {os.getloadavg()}")  # fmt: skip
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], env=dict(os.environ),
                   check=True, capture_output=True)  # fmt: skip
    with tenant_context(tenant):
        # The purge took any waiting drain off the queue but not its flag (tenancy.outbox.one_waiting), which
        # would hold back the burst's drain until it expired.
        take_waiting(DRAIN_TASK)
    worker = Worker()
    try:
        if args.burst:
            # The burst: opened as fast as the producers go, the worker stopped.
            per = args.burst // args.burst_producers
            opened = committed(start_producers(args.tenant, 0, per, args.burst_producers, "burst"))
            seen: dict[int, float] = {}
            started = time.time()
            worker.start()
            last = watch(tenant, set(opened), started + 600, seen, last, pause)
            done = [seen[t] for t in opened if t in seen]
            elapsed = max(done) - started if done else float("nan")
            print(f"burst: {len(opened):,} tickets waiting; the worker routed {len(done):,} in {elapsed:.1f} s "
                  f"(start-up included): {len(done) / elapsed:.0f} tickets/s; load {os.getloadavg()}")  # fmt: skip
        else:
            worker.start()
            time.sleep(5)
        seen = {}
        # Once a second: reading every process's /proc entries five times a second took ~0.1 of a core.
        sampling = Sampling(_classifier(worker), interval=1.0) if Sampling.available() else None
        if sampling is not None:
            sampling.start()
        started = time.time()
        running = start_producers(args.tenant, args.rate, args.seconds, args.producers, "steady")
        last = watch(tenant, None, started + args.seconds + 2, seen, last, pause)
        opened = committed(running)
        last = watch(tenant, set(opened), time.time() + 60, seen, last, pause)
        if sampling is not None:
            sampling.stop()
        waits = [(seen[t] - at) * 1000 for t, at in opened.items() if t in seen]
        span = max(opened.values()) - min(opened.values()) if len(opened) > 1 else float("nan")
        print(f"steady: {len(opened):,} tickets opened in {span:.1f} s ({len(opened) / span:.1f}/s, target "
              f"{args.rate:.0f}/s), {len(waits):,} routed; commit to routed p50 {percentile(waits, 50):.0f} ms, "
              f"p95 {percentile(waits, 95):.0f} ms, max {max(waits):.0f} ms; load {os.getloadavg()}")  # fmt: skip
        if sampling is not None:
            print(f"steady: {sampling.report(per=len(opened))}")
    finally:
        worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
