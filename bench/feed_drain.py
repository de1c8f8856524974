"""How fast one worker drains a burst of change-feed entries (issue 11: ≥ 500 entries per second per subscriber).

    source <(grep export /tmp/bench-svc.env)        # the harness environment (python -m tests.harness --shell)
    python -m bench.feed_drain [--entries 10000] [--tickets 1000]

Migrates the database as the owner if needed, then, as the application role (row-level security on): makes a
tenant with `--tickets` tickets, records `--entries` changes through `update_ticket` (one transaction, so one
feed entry, each; the drain tasks they publish wait in a Redis database nobody consumes), and times `drain()` in
the tenant until every entry is done: reading the entries with their events, one receipt per subscriber and
entry, marking them done. Prints the machine, the database settings and the rate per subscriber.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

from bench.environment import configure_environment


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=1_000)
    args = parser.parse_args(argv)
    configure_environment(args)
    owner_env = {**os.environ, "DATABASE_URL": os.environ["OWNER_DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    from django.db import connection

    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Tenant
    from tickets import services
    from tickets.feed.dispatch import drain
    from tickets.feed.registry import subscribers
    from tickets.models import Contact, FeedEntry, Queue, Team
    from tickets.models.desk import Priority
    from tickets.services.events import Automation

    slug = f"feedbench{int(time.time())}"
    with unscoped():
        tenant = Tenant.objects.create(slug=slug, name="Feed bench", ticket_prefix="FB")
    actor = Automation("feed bench")
    with tenant_context(tenant):
        team = Team.objects.create(name="Bench")
        Queue.objects.create(name="General", team=team, is_default=True)
        contact = Contact.objects.create(email="bench@example.com", name="Bench")
        tickets = [
            services.create_ticket(actor=contact, contact=contact, subject=f"Bench {n}", body="Hello.")
            for n in range(args.tickets)
        ]
        started = time.perf_counter()
        for n in range(args.entries):
            ticket = tickets[n % len(tickets)]
            priority = Priority.HIGH if (n // len(tickets)) % 2 == 0 else Priority.NORMAL
            services.update_ticket(ticket=ticket, changes={"priority": priority}, actor=actor)
        recorded = time.perf_counter() - started
        # The tickets' own "created" entries are part of the burst too.
        pending = FeedEntry.objects.filter(done_at__isnull=True).count()
        started = time.perf_counter()
        while drain():
            pass
        drained = time.perf_counter() - started
        left = FeedEntry.objects.filter(done_at__isnull=True).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'work_mem', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
    names = [subscriber.name for subscriber in subscribers()]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; database: {database}")
    print(f"recorded {args.entries:,} changes on {args.tickets:,} tickets in {recorded:.1f}s")
    print(f"subscribers: {', '.join(names)}; entries drained: {pending:,} in {drained:.2f}s, {left} left")
    print(f"rate: {pending / drained:,.0f} entries per second per subscriber")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
