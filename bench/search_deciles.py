"""Full-text search at every word frequency, on skewed text: the query set of issue 21, timed.

    HARNESS_DURABLE=1 python -m tests.harness --shell > /tmp/bench-svc.env &
    source <(grep export /tmp/bench-svc.env); export CACHE_URL=$REDIS_URL/12
    python manage.py seed_bench --quick --zipf          # as the owner: 100,000 tickets, Zipf-distributed words
    python -m bench.search_deciles [--tickets-tenant acme-bench] [--runs 50] [--pages] [--vocabulary standard]

The words come from seed_bench's Zipf vocabulary (`--zipf`: 12 words a message drawn with weight 1 / rank**1.07
from 20,000 made-up words). The query set: one word at each decile of the vocabulary ranked by frequency
(ranks 1, 2,001, 4,001, ... 18,001), words at ranks 3, 10, 30, 100, 300, 1,000 (the middle frequencies, where
walking the SLA order is slowest), two-word queries, and a phrase of two common words that rarely stand together.
Each query's real match count is measured first (one count each).

Connects as the application role (row-level security on), like bench/run.py. For each query it times the list query
as the desk runs it (the first 51 ids of "All tickets" in SLA order, then the capped count if there are more than 50
and the search is not walked: a walked list says "of many") with the strategy tickets.search picks ("chosen",
estimate queries included) and with the planner left to itself ("planner", the plan before the picker), rounds
interleaved; `--pages` also times the whole page `GET /desk/views/all/?q=...` through the test Client. Prints the
strategy, the planner's estimates, p50/p95 and the database's own time of the chosen plan (EXPLAIN ANALYZE). Target
(issue 21): p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import quote

from bench.environment import configure_environment
from bench.measure import percentile
from bench.report import machine_info

TARGET_MS = 50
DECILE_RANKS = [1 + decile * 2000 for decile in range(10)]
MIDDLE_RANKS = [3, 10, 30, 100, 300, 1000]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets-tenant", default="acme-bench")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--pages", action="store_true", help="also time the whole page through the test Client")
    parser.add_argument("--only", default="", help="comma-separated labels (substring match) to run")
    parser.add_argument(
        "--no-planner", action="store_true", help="skip the planner's own plan (8-16 s a run for common words at 1M)"
    )
    parser.add_argument(
        "--vocabulary", choices=("zipf", "standard"), default="zipf", help="standard: a database seeded without --zipf"
    )
    return parser.parse_args(argv)


def query_set(vocabulary: str = "zipf") -> list[tuple[str, str]]:
    """(label, query) pairs: deciles, the middle band, two-word queries and a rare phrase of common words.
    `vocabulary`: "zipf" (seed_bench --zipf) or "standard", seed_bench's default medium words (2,000, drawn with
    weight 1 / rank into pooled message bodies), for a database seeded without --zipf."""
    from tickets.bench_seed.vocabulary import medium_words, zipf_words

    words = zipf_words() if vocabulary == "zipf" else medium_words()
    step = len(words) // 10
    ranks = DECILE_RANKS if vocabulary == "zipf" else [1 + decile * step for decile in range(10)]
    queries = [(f"decile {index + 1} (rank {rank:,})", words[rank - 1]) for index, rank in enumerate(ranks)]
    queries += [(f"middle (rank {rank:,})", words[rank - 1]) for rank in MIDDLE_RANKS]
    queries += [
        ("two words (ranks 10 + 300)", f"{words[9]} {words[299]}"),
        (f"two words (ranks 100 + {min(2001, len(words)):,})", f"{words[99]} {words[min(2000, len(words) - 1)]}"),
        ("two words (ranks 30 + 30)", f"{words[29]} {words[30]}"),
        ("phrase of two common words (ranks 20, 30)", f'"{words[19]} {words[29]}"'),
        ("common real word (password)", "password"),
    ]
    return queries


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    configure_environment(args)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    import config.wsgi  # noqa: F401 - the application as gunicorn loads it
    from tenancy.context import tenant_context
    from tenancy.middleware import SESSION_HOST_KEY
    from tenancy.models import Membership, Tenant
    from tickets import selectors
    from tickets.pagination import paginate
    from tickets.search import (
        PHRASE,
        Strategy,
        choose_strategy,
        crossover,
        estimate,
        for_count,
        reads_every_match,
        search_tickets,
        skips_count,
        text_query,
    )

    tenant = Tenant.objects.filter(slug=args.tickets_tenant).first()
    if tenant is None:
        sys.exit(f"No tenant {args.tickets_tenant!r}: run `manage.py seed_bench --zipf` first (as the owner).")
    with tenant_context(tenant):
        supervisor = Membership.objects.select_related("user").filter(role="supervisor").order_by("id").first()
        total = selectors.view_tickets(supervisor, "all").count()
    prefix = tenant.ticket_prefix

    def list_query(query: str, strategy: Strategy | None):
        def run():
            with tenant_context(tenant), transaction.atomic():
                found = search_tickets(
                    selectors.view_tickets(supervisor, "all"), query, prefix=prefix, strategy=strategy
                )
                # As the desk's list pages it (tickets.pagination): the first 51 ids, the count in the same
                # statement when the page reads every match, none past the page for a walked search, else
                # counted only if there are more than 50.
                count = None if skips_count(found) else lambda: selectors.capped_counts({"n": for_count(found)})["n"]
                page = paginate(
                    found.order_by(*selectors.SORTS["due"]), 1, cap=selectors.COUNT_CAP, load=list, pk=lambda pk: pk,
                    count=count,
                    count_in_page=reads_every_match(found),
                )  # fmt: skip
                ids, count = page.rows, page.count
            return ids, count

        return run

    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(supervisor.user)
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()

    def page(query: str):
        url = f"/desk/views/all/?q={quote(query)}"

        def run():
            answer = client.get(url)
            if answer.status_code != 200:
                sys.exit(f"{url} answered {answer.status_code}, not 200: the timings would mean nothing.")

        return run

    info = machine_info(connection)
    load = os.getloadavg()
    report = [
        f"# Search at every word frequency on {tenant.slug}: {total:,} tickets visible to the supervisor",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']}; PostgreSQL {info['postgres']} "
        f"(shared_buffers {info['shared_buffers']}, work_mem {info['work_mem']}); load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.",
        f"{args.runs} timed runs after {args.warmups} warm-ups, chosen/planner rounds interleaved; milliseconds; "
        f"target p95 <= {TARGET_MS} ms. Walk above ~{crossover(total):,.0f} estimated matches.",
        "",
        "| query | matches | estimate | strategy | chosen p50 / p95 | planner p50 / p95 | chosen SQL (EXPLAIN) |"
        + (" page p50 / p95 |" if args.pages else ""),
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |" + (" ---: |" if args.pages else ""),
    ]
    only = [part.strip() for part in args.only.split(",") if part.strip()]
    for label, query in query_set(args.vocabulary):
        if only and not any(part in label for part in only):
            continue
        with tenant_context(tenant), transaction.atomic():
            base = selectors.view_tickets(supervisor, "all")
            matches = search_tickets(base, query, prefix=prefix, strategy=Strategy.INDEX_FIRST).count()
            guess = estimate(base, text_query(query), phrase=bool(PHRASE.search(query)))
            strategy = choose_strategy(guess)
            found = search_tickets(base, query, prefix=prefix, strategy=strategy)
            sql, params = found.order_by(*selectors.SORTS["due"]).values("id")[:51].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                explained = cursor.fetchone()[0]
            database_ms = explained[0]["Execution Time"] + explained[0]["Planning Time"]
        chosen, planner = [], []
        run_chosen, run_planner = list_query(query, None), list_query(query, Strategy.PLANNER)
        for index in range(args.warmups + args.runs):
            for run, times in ((run_chosen, chosen), (run_planner, planner))[: 1 if args.no_planner else 2]:
                start = time.perf_counter()
                run()
                if index >= args.warmups:
                    times.append((time.perf_counter() - start) * 1000)
        row = (
            f"| {label} `{query}` | {matches:,} | {guess.matches:,.0f} | {strategy} | "
            f"{percentile(chosen, 50):.1f} / {percentile(chosen, 95):.1f}"
            f"{' ok' if percentile(chosen, 95) <= TARGET_MS else ' OVER'} | "
            f"{_spread(planner)} | {database_ms:.1f} |"
        )
        if args.pages:
            times = []
            run_page = page(query)
            for index in range(args.warmups + args.runs):
                start = time.perf_counter()
                run_page()
                if index >= args.warmups:
                    times.append((time.perf_counter() - start) * 1000)
            row += f" {percentile(times, 50):.1f} / {percentile(times, 95):.1f} |"
        report.append(row)
        print(row, file=sys.stderr, flush=True)
    load = os.getloadavg()
    report += ["", f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}."]
    print("\n".join(report))
    return 0


def _spread(times: list[float]) -> str:
    return f"{percentile(times, 50):.1f} / {percentile(times, 95):.1f}" if times else "not run"


if __name__ == "__main__":
    raise SystemExit(main())
