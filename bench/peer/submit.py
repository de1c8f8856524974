"""Time the peer's two ways in: a visitor's public submit and an agent's create, as bench.run times Tessera's
portal POST and agent create (the same driver code: warm-ups, timed runs with nothing capturing queries, then a
counting pass), writing the same JSON for bench.peer_compare.

    bench/.peer-venv/bin/python -m bench.peer.submit --runs 15 --json /tmp/peer.json   # PYTHONPATH=.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")

from bench.measure import Expect, Scenario, count_scenario, load_average, server_settings, time_scenario
from bench.peer.seed import AGENT


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--count-runs", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated: portal_post, create")
    parser.add_argument("--json", default="", help="write the raw timings here")
    return parser.parse_args(argv)


def scenarios(queue_id: int) -> list[Scenario]:
    from django.test import Client

    stamp = int(time.time())
    created = itertools.count(1)

    # One handler for every visitor, as one server process (bench.run's portal_post does the same): a new Client
    # per request would build the middleware chain again each time, which no server pays.
    visitor = Client()

    def portal_post(_client, i):
        n = next(created)
        visitor.cookies.clear()  # a new anonymous visitor each time
        return visitor.post(
            "/tickets/submit/",
            {
                "queue": queue_id, "title": f"Cannot export invoices ({n})", "priority": 3,
                "submitter_email": f"visitor{stamp}-{n}@bench.example",
                "body": "The export button spins and then nothing happens. Tried twice.",
            },
            REMOTE_ADDR=f"10.9.{(n >> 8) & 255}.{n & 255}",
        )  # fmt: skip

    def create(client, i):
        client.cookies.pop("messages", None)  # as bench.run's create: the redirect is never followed
        n = next(created)
        return client.post(
            "/tickets/submit/",
            {
                "queue": queue_id, "title": f"Bench phone call {n}", "priority": 2, "assigned_to": "",
                "submitter_email": "caller@bench.example", "body": f"Caller reports the export fails again ({n}).",
            },
        )  # fmt: skip

    return [
        Scenario(
            "portal_post", "Portal form POST (anonymous visitor)", portal_post, expect=Expect(302, location="/view/")
        ),
        Scenario("create", "Agent create ticket (POST)", create, expect=Expect(302, location="/tickets/")),
    ]


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from helpdesk.models import Queue, Ticket

    agent = Client()
    agent.force_login(User.objects.get(username=AGENT[0]))
    queue_id = Queue.objects.get(slug="support").pk
    only = {name for name in args.only.split(",") if name}
    chosen = [s for s in scenarios(queue_id) if not only or s.name in only]
    load_before = load_average()
    for scenario in chosen:
        time_scenario(scenario, agent, args.warmups, args.runs)
        if args.count_runs:
            count_scenario(scenario, agent, args.count_runs, connection, offset=args.warmups + args.runs)
        print(f"{scenario.name}: p50 {sorted(scenario.times)[len(scenario.times) // 2]:.1f} ms, "
              f"queries {scenario.queries}", flush=True)  # fmt: skip
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "scenarios": {s.name: {"label": s.label, "times": s.times, "cpu": s.cpu, "queries": s.queries}
                                  for s in chosen},
                    "load": [load_before, load_average()],
                    "settings": server_settings(connection),
                    "tickets": Ticket.objects.count(),
                }
            )
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
