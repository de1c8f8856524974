"""Routing rule benchmarks (issue 14): rule evaluation alone, the engine on a new ticket, the simulator.

    python -m tests.harness python -m bench.routing_rules [--evaluate 20000] [--rules 100] [--simulate 100000]

Migrates as the owner, then runs as the application role (row-level security on):
1. evaluation: `--rules` active rules of every condition kind (words, RE2 patterns, tiers, channels, domains, tags,
   priorities, rows), compiled once (as the per-version cache does), evaluated with their actions folded over
   `--evaluate` synthetic tickets with 300-800 characters of text: tickets per second, pure Python;
2. engine: p50/p95 of routing one new ticket (facts, rules, update_ticket, decision row) with the same rules
   published, on `--engine` tickets opened through create_ticket;
3. simulator: `--simulate` tickets bulk-inserted over 90 days (requesters, tags), the same rules as the draft,
   `simulate(days=90)` timed (set-based reads in chunks, evaluation in Python).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from datetime import timedelta

WORDS = [
    "invoice",
    "refund",
    "charged",
    "twice",
    "payment",
    "card",
    "declined",
    "outage",
    "down",
    "slow",
    "error",
    "login",
    "password",
    "reset",
    "export",
    "shipping",
    "parcel",
    "order",
    "return",
    "broken",
    "printer",
    "screen",
    "crash",
    "sync",
    "calendar",
    "integration",
    "webhook",
    "token",
    "api",
    "please",
    "thanks",
    "hello",
    "team",
    "account",
    "plan",
    "upgrade",
    "downgrade",
    "vat",
    "receipt",
    "delivery",
    "late",
    "missing",
    "damaged",
]

# Customers write from a large vocabulary; rules name a few words of it, so a ticket matches a few rules, not all.
VOCABULARY = [f"{WORDS[k % len(WORDS)]}{k}" for k in range(3000)]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * pct / 100 + 0.5) - 1)]


def text(rng: random.Random, low: int, high: int) -> str:
    out, size = [], rng.randint(low, high)
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(VOCABULARY))
    return " ".join(out)


def c(field: str, op: str, value: object, negate: bool = False) -> dict:
    return {"field": field, "op": op, "value": value, "negate": negate}


def stored_rules(count: int, *, queue_ids: list[int], category_ids: list[int], org_ids: list[int], rng) -> list[dict]:
    """`count` rules as a version stores them, cycling through every kind of condition."""
    rules = []
    for n in range(count):
        kind = n % 10
        conditions = {
            0: lambda: [c("text", "contains_any", rng.sample(VOCABULARY, 3))],
            1: lambda: [c("subject", "matches", rf"\b{rng.choice(VOCABULARY)}\s+\w+\b")],
            2: lambda: [c("tier", "is", ["vip"]), c("body", "contains_all", rng.sample(VOCABULARY, 2))],
            3: lambda n=n: [c("channel", "is", ["email"]), c("received_address", "is", [f"q{n}@bench.example"])],
            4: lambda n=n: [c("requester_domain", "is", [f"org{n % 40}.example"])],
            5: lambda n=n: [c("tags", "includes_any", [f"tag{n % 30}"])],
            6: lambda: [c("priority", "at_least", [3]), c("text", "contains_any", rng.sample(VOCABULARY, 2), True)],
            7: lambda: [c("category", "is", [rng.choice(category_ids)])],
            8: lambda: [c("organisation", "is", [rng.choice(org_ids)])],
            9: lambda: [c("body", "matches", r"(order|invoice)\s*#?\d{3,}")],
        }[kind]()
        actions = [{"action": "set_queue", "value": rng.choice(queue_ids)}, {"action": "set_priority", "value": 3}]
        if n % 4 == 0:
            actions.append({"action": "add_tags", "value": [f"routed{n % 7}"]})
        rules.append(
            {
                "id": n + 1,
                "name": f"Rule {n}",
                "match": "any" if n % 3 == 0 else "all",
                "conditions": conditions,
                "actions": actions,
                "stop": n % 25 == 24,
                "on_update": False,
            }
        )
    return rules


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluate", type=int, default=20_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--engine", type=int, default=200)
    parser.add_argument("--simulate", type=int, default=100_000)
    args = parser.parse_args(argv)
    from bench.environment import configure_environment

    configure_environment(args)
    owner_env = {**os.environ, "DATABASE_URL": os.environ["OWNER_DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from routing.compiler import compile_rules
    from routing.conditions import Context, Facts
    from routing.engine import CREATED, evaluate
    from routing.models import Rule, RuleSetVersion
    from routing.route import route_ticket
    from routing.simulator import simulate
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Tenant
    from tickets import services
    from tickets.models import Category, Contact, Message, Organisation, Queue, Tag, Team, Ticket, TicketTag

    rng = random.Random(14)  # noqa: S311 - reproducible benchmark data
    print(f"load before: {os.getloadavg()}")

    slug = f"routebench{int(time.time())}"
    with unscoped():
        tenant = Tenant.objects.create(slug=slug, name="Routing bench", ticket_prefix="RB")
    with tenant_context(tenant):
        team = Team.objects.create(name="Bench")
        queues = [Queue.objects.create(name=f"Q{n}", team=team, is_default=n == 0) for n in range(8)]
        categories = [Category.objects.create(name=f"C{n}") for n in range(10)]
        orgs = [Organisation.objects.create(name=f"Org {n}") for n in range(40)]
        rules = stored_rules(args.rules, queue_ids=[q.pk for q in queues], category_ids=[c.pk for c in categories],
                             org_ids=[o.pk for o in orgs], rng=rng)  # fmt: skip

        # ---- 1. evaluation alone ----
        started = time.perf_counter()
        ruleset = compile_rules(rules, version_id=1, number=1)
        compile_ms = (time.perf_counter() - started) * 1000
        facts = [
            Facts(
                ticket_id=n, channel=rng.choice(["web", "email", "phone"]),
                received_address=f"q{n % 120}@bench.example",
                category_id=rng.choice([None, *[c.pk for c in categories]]), subcategory_id=None,
                priority=rng.randint(1, 4), queue_id=queues[0].pk, subject=text(rng, 20, 80),
                body=text(rng, 300, 800), email=f"p{n}@org{n % 60}.example", tier="vip" if n % 10 == 0 else "standard",
                organisation_id=rng.choice([None, *[o.pk for o in orgs]]),
                tags=frozenset({f"tag{n % 45}"}), custom_fields={}, created_at=None,
            )
            for n in range(args.evaluate)
        ]  # fmt: skip
        for round_ in range(2):
            ctx = Context()
            matched = 0
            started = time.perf_counter()
            for one in facts:
                found, _plan, _skipped = evaluate(ruleset, one, ctx, trigger=CREATED)
                matched += bool(found)
            elapsed = time.perf_counter() - started
            print(
                f"evaluation ({'cold' if round_ == 0 else 'warm'}): {len(facts) / elapsed:,.0f} tickets/s with "
                f"{args.rules} active rules ({elapsed * 1e6 / len(facts):.0f} µs each; {matched:,} of {len(facts):,} "
                f"matched; compiling the set took {compile_ms:.1f} ms)"
            )

        # ---- 2. the engine on new tickets ----
        RuleSetVersion.objects.create(number=1, rules=rules, published_by_automation="bench")
        contacts = [Contact.objects.create(email=f"p{n}@org{n % 60}.example", organisation=orgs[n % 40],
                                           tier="vip" if n % 10 == 0 else "standard") for n in range(200)]  # fmt: skip
        routed = []
        for n in range(args.engine):
            contact = contacts[n % len(contacts)]
            ticket = services.create_ticket(actor=contact, contact=contact, subject=text(rng, 20, 80),
                                            body=text(rng, 300, 800))  # fmt: skip
            started = time.perf_counter()
            route_ticket(ticket_id=ticket.pk, trigger=CREATED)
            routed.append((time.perf_counter() - started) * 1000)
        warm = routed[20:] or routed or [0.0]
        print(
            f"engine, one new ticket (committed): p50 {percentile(warm, 50):.1f} ms, p95 {percentile(warm, 95):.1f} ms"
        )

        # ---- 3. the simulator ----
        n = args.simulate
        now = timezone.now()
        started = time.perf_counter()
        tags = [Tag.objects.create(name=f"tag{k}") for k in range(45)]
        base = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
        for chunk in range(0, n, 5000):
            with transaction.atomic():
                made = Ticket.objects.bulk_create(
                    [
                        Ticket(
                            tenant_id=tenant.pk, number=base + 1 + i, subject=text(rng, 20, 80),
                            contact=contacts[i % len(contacts)],
                            queue=queues[i % len(queues)], team=team, priority=rng.randint(1, 4),
                            category_id=rng.choice([None, *[c.pk for c in categories]]),
                            channel=rng.choice(["web", "email"]),
                            created_at=now - timedelta(seconds=rng.randint(0, 89 * 86400)), updated_at=now,
                        )
                        for i in range(chunk, min(n, chunk + 5000))
                    ],
                    batch_size=1000,
                )  # fmt: skip
                Message.objects.bulk_create(
                    [
                        Message(tenant_id=tenant.pk, ticket_id=t.pk, author_contact=t.contact, channel=t.channel,
                                body_html=f"<p>{text(rng, 300, 800)}</p>", created_at=t.created_at)
                        for t in made
                    ],
                    batch_size=1000,
                )  # fmt: skip
                TicketTag.objects.bulk_create(
                    [TicketTag(tenant_id=tenant.pk, ticket_id=t.pk, tag=tags[t.number % 45]) for t in made[::3]],
                    batch_size=1000,
                )
        seeded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket; ANALYZE tickets_tickettag; ANALYZE tickets_contact")
        for rule in rules[:20]:
            Rule.objects.create(name=rule["name"], match=rule["match"], conditions=rule["conditions"],
                                actions=rule["actions"], stop_processing=rule["stop"])  # fmt: skip
        for label, count in (("20 draft rules", 20), (f"{args.rules} rules", args.rules)):
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                result = profile.runcall(simulate, days=90, rules=rules[:count], now=now)
                pstats.Stats(profile).sort_stats("cumtime").print_stats(15)
            else:
                result = simulate(days=90, rules=rules[:count], now=now)
            elapsed = time.perf_counter() - started
            print(
                f"simulator, {label}: {result.total:,} tickets over 90 days in {elapsed:.1f} s "
                f"({result.total / elapsed:,.0f} per second; {result.matched:,} matched; seeding took {seeded:.0f} s)"
            )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; database: {database}")
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
