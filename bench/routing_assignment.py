"""Assignments per second by a queue's strategy with 20 agents online (issue 14, assignment half).

    source <(grep export /tmp/bench-svc.env)        # the harness environment (python -m tests.harness --shell)
    python -m bench.routing_assignment [--tickets 2000] [--agents 20] [--workers 1]

Migrates the database as the owner if needed, then, as the application role (row-level security on): makes a
tenant with one team of `--agents` online agents (capacity large enough for every ticket) and, per strategy
(round robin, least loaded, skill based with one required skill every agent holds), a queue with `--tickets`
unassigned tickets; then times `assign_by_strategy` over them, one transaction per ticket as the rule engine's
receiver runs it, split over `--workers` threads. Prints the machine, the load and the rate per strategy.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
import time

from bench.environment import configure_environment

STRATEGIES = ("round_robin", "least_loaded", "skill_based")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    configure_environment(args)
    owner_env = {**os.environ, "DATABASE_URL": os.environ["OWNER_DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    from django.db import connection

    from routing.assignment.services import assign_by_strategy
    from routing.models import TicketSkillRequirement
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Membership, MembershipSkill, Skill, Tenant, User
    from tickets.models import Contact, Queue, Team, TeamMembership, Ticket

    stamp = int(time.time())
    with unscoped():
        tenant = Tenant.objects.create(slug=f"assignbench{stamp}", name="Assignment bench", ticket_prefix="AB")
    with tenant_context(tenant):
        team = Team.objects.create(name="Bench")
        skill = Skill.objects.create(name="English")
        for n in range(args.agents):
            user = User.objects.create_user(email=f"agent{n}.{stamp}@bench.example", full_name=f"Agent {n}")
            member = Membership.objects.create(
                user=user, role="agent", availability="online", capacity=10 * args.tickets
            )
            TeamMembership.objects.create(team=team, membership=member)
            MembershipSkill.objects.create(membership=member, skill=skill)
        contact = Contact.objects.create(email="bench@example.com", name="Bench")
        queues = {}
        for index, strategy in enumerate(STRATEGIES):
            queue = Queue.objects.create(name=strategy, team=team, assignment_strategy=strategy, is_default=index == 0)
            base = index * args.tickets
            Ticket.objects.bulk_create(
                Ticket(tenant_id=tenant.pk, number=base + n + 1, subject=f"Bench {n}", contact=contact, queue=queue)
                for n in range(args.tickets)
            )
            ids = list(Ticket.objects.filter(queue=queue).values_list("pk", flat=True))
            if strategy == "skill_based":
                TicketSkillRequirement.objects.bulk_create(
                    TicketSkillRequirement(tenant_id=tenant.pk, ticket_id=pk, skill=skill) for pk in ids
                )
            queues[strategy] = ids

    results = {}
    for strategy, ids in queues.items():
        errors: list[BaseException] = []

        def work(share: list[int], errors=errors) -> None:
            try:
                with tenant_context(tenant):
                    for pk in share:
                        assign_by_strategy(ticket=Ticket(pk=pk))
            except BaseException as error:
                errors.append(error)
            finally:
                if args.workers > 1:
                    connection.close()

        started = time.perf_counter()
        if args.workers == 1:
            work(ids)
        else:
            threads = [threading.Thread(target=work, args=(ids[i :: args.workers],)) for i in range(args.workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            print(f"{strategy}: {len(errors)} worker(s) failed: {errors[0]!r}")
            return 1
        with tenant_context(tenant):
            assigned = Ticket.objects.filter(pk__in=ids, assignee__isnull=False).count()
        results[strategy] = (assigned, elapsed)

    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; load {load[0]:.2f}")
    print(f"{args.agents} agents online, {args.tickets} tickets per strategy, {args.workers} worker(s)")
    for strategy, (assigned, elapsed) in results.items():
        print(f"{strategy:>13}: {assigned} assigned in {elapsed:.2f} s = {assigned / elapsed:,.0f} assignments/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
