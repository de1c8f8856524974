"""Filtering a million tickets by a custom choice field: the queue page and its list query, timed.

    HARNESS_DURABLE=1 python -m tests.harness --shell > /tmp/bench-svc.env &   # durable PostgreSQL + Redis
    source <(grep export /tmp/bench-svc.env)
    python manage.py seed_bench --tickets 1000000 --tenants 3     # as the owner: fills the product and contract fields
    python -m bench.custom_field_filter [--tickets-tenant acme-bench] [--runs 40]

Connects as the application role (row-level security on), like bench/run.py. Scenarios: the list query alone
(the page's filtered, SLA-ordered first page plus its capped count, as the ORM runs them) and the whole page
through the test Client, for a common (55 %), a medium (30 %), a small (4 %) and a rare (1 %) product; then a
queue filtered by the product with the open status, and sorting by a field. Target: p95 <= 50 ms for filtering.
Prints a markdown report with the EXPLAIN (ANALYZE, BUFFERS) of the list query for each value.

`--sort-index` (issue 13): time sorting "All tickets" by the product field (the page and its list query) without
an index, then ask for the field's sort index (the settings service, as an automation), build it as the owner
(tickets.custom_fields.sort_indexes.sync, OWNER_DATABASE_URL: the harness's DATABASE_URL) and time it again,
rounds interleaved by dropping and rebuilding nothing: the two phases run back to back. `--drop-sort-index`
drops it at the end (the field's mark removed, sync again).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.environment import configure_environment
from bench.measure import percentile

CODES = [("cloud", "55 %"), ("onprem", "30 %"), ("mobile", "4 %"), ("legacy", "1 %")]
TARGET_MS = 50


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets-tenant", default="acme-bench")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--sort-index", action="store_true", help="time sorting by product without, then with, its index"
    )
    parser.add_argument("--drop-sort-index", action="store_true", help="with --sort-index: drop the index at the end")
    return parser.parse_args(argv)


def timed(function, warmups: int, runs: int) -> list[float]:
    times = []
    for index in range(warmups + runs):
        start = time.perf_counter()
        function()
        if index >= warmups:
            times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float], target: int | None = TARGET_MS) -> str:
    p50, p95 = percentile(times, 50), percentile(times, 95)
    verdict = "" if target is None else (" ok" if p95 <= target else " OVER")
    return f"| {label} | {p50:.1f} | {p95:.1f} | {max(times):.1f} |{verdict} |"


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    configure_environment(args)
    from django.db import connection, transaction
    from django.test import Client

    import config.wsgi  # noqa: F401 - the application as gunicorn loads it
    from tenancy.context import tenant_context
    from tenancy.models import Membership, Tenant
    from tickets import selectors
    from tickets.custom_fields import queries
    from tickets.custom_fields.definitions import fields_by_key
    from tickets.models import Queue

    tenant = Tenant.objects.filter(slug=args.tickets_tenant).first()
    if tenant is None:
        sys.exit(f"No tenant {args.tickets_tenant!r}: run `manage.py seed_bench` first (as the owner).")
    with tenant_context(tenant):
        supervisor = Membership.objects.select_related("user").filter(role="supervisor").order_by("id").first()
        product = fields_by_key().get("product")
        queue = Queue.objects.get(is_default=True)
        total = selectors.visible_tickets(supervisor).count()
    if product is None:
        sys.exit("The bench tenant has no product field: seed it again with this branch's seed_bench.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.jsonb_contains(jsonb, jsonb)'::regprocedure"
        )
        leakproof = cursor.fetchone()[0]
    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(supervisor.user)
    from tenancy.middleware import SESSION_HOST_KEY

    session = client.session  # bound to the tenant's host, as a real sign-in there is
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()

    def page(url: str):
        def run():
            answer = client.get(url)
            if answer.status_code != 200:
                sys.exit(f"{url} answered {answer.status_code}, not 200: the timings would mean nothing.")

        return run

    def list_query(code: str):
        def run():
            with tenant_context(tenant), transaction.atomic():
                tickets = selectors.view_tickets(supervisor, "all").filter(queries.matches(product, code))
                ids = list(tickets.order_by(*selectors.SORTS["due"]).values_list("id", flat=True)[:50])
                count = selectors.capped_counts({"n": tickets})["n"]
            return ids, count

        return run

    if args.sort_index:
        print("\n".join(sort_index_report(args, tenant, supervisor, product, page)))
        return 0

    report = [
        f"# Custom field filter on {tenant.slug}: {total:,} tickets visible to the supervisor",
        "",
        f"{args.runs} timed runs after {args.warmups} warm-ups; milliseconds; target p95 <= {TARGET_MS} ms.",
        "",
        f"`jsonb_contains` LEAKPROOF: {leakproof}.",
        "",
        "| scenario | p50 | p95 | max | |",
        "| --- | --- | --- | --- | --- |",
    ]
    plans = []
    for code, share in CODES:
        with tenant_context(tenant), transaction.atomic():
            matching = selectors.view_tickets(supervisor, "all").filter(queries.matches(product, code)).count()
        times = timed(list_query(code), args.warmups, args.runs)
        report.append(line(f"list query, product={code} ({share}: {matching:,} tickets)", times))
        url = f"/desk/views/all/?cf_product={code}"
        times = timed(page(url), args.warmups, args.runs)
        report.append(line(f"page `{url}`", times, target=None))
        with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
            tickets = selectors.view_tickets(supervisor, "all").filter(queries.matches(product, code))
            sql, params = tickets.order_by(*selectors.SORTS["due"]).values("id")[:50].query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plans.append((code, [row[0] for row in cursor.fetchall()]))
    for url in (
        "/desk/views/all/",
        f"/desk/queues/{queue.pk}/?status=open&cf_product=legacy",
        f"/desk/queues/{queue.pk}/?status=open&cf_product=cloud&sort=cf_contract",
        "/desk/views/all/?sort=cf_product",
    ):
        times = timed(page(url), args.warmups, min(args.runs, 10))
        report.append(line(f"page `{url}`", times, target=None))
    report += ["", "## Plans of the list query (first page, SLA order)", ""]
    for code, lines in plans:
        report += [f"### product={code}", "", "```", *lines, "```", ""]
    print("\n".join(report))
    return 0


def sort_index_report(args, tenant, supervisor, product, page) -> list[str]:
    """Sorting all tickets by the product field: without its sort index, then with it (issue 13)."""
    import os

    from django.db import connection, transaction

    from tenancy.actors import Automation
    from tenancy.context import tenant_context
    from tickets import selectors
    from tickets.custom_fields import sort_indexes
    from tickets.custom_fields.definitions import fields_by_key, forget
    from tickets.filters import TicketFilter
    from tickets.models import CustomField
    from tickets.services import custom_fields as services

    def list_query():
        with tenant_context(tenant), transaction.atomic():
            filters = TicketFilter({"sort": "cf_product"}, queryset=selectors.view_tickets(supervisor, "all"))
            return list(filters.qs.order_by(*filters.ordering).values_list("id", flat=True)[:51])

    def explain() -> list[str]:
        with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
            filters = TicketFilter({"sort": "cf_product"}, queryset=selectors.view_tickets(supervisor, "all"))
            sql, params = filters.qs.order_by(*filters.ordering).values("id")[:51].query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return [row[0] for row in cursor.fetchall()]

    def sync() -> float:
        import psycopg

        start = time.perf_counter()
        with psycopg.connect(os.environ["OWNER_DATABASE_URL"], autocommit=True) as owner, owner.cursor() as cursor:
            sort_indexes.sync(cursor, forget=forget)
        return time.perf_counter() - start

    rows = [f"# Sorting by a custom field on {tenant.slug}", "", f"load average {os.getloadavg()[0]:.2f}", ""]
    rows += ["| phase | scenario | p50 | p95 | max | |", "| --- | --- | --- | --- | --- | --- |"]
    url = "/desk/views/all/?sort=cf_product"
    plans = []
    for phase in ("no index", "index ready"):
        if phase == "index ready":
            with tenant_context(tenant):
                field = CustomField.objects.get(pk=product.pk)
                if not field.sort_indexed:
                    services.set_custom_field_sort_index(actor=Automation("benchmark"), field=field, indexed=True)
            built = sync()
            with tenant_context(tenant):
                forget(tenant.pk)
                ready = fields_by_key()["product"].sort_index_ready
            rows.append(f"| {phase} | index built in {built:.1f} s (ready: {ready}) | | | | |")
        rows.append(line(f"{phase} | list query (51 ids, sort=cf_product)", timed(list_query, args.warmups, args.runs)))
        rows.append(line(f"{phase} | page `{url}`", timed(page(url), args.warmups, min(args.runs, 20))))
        plans.append((phase, explain()))
    if args.drop_sort_index:
        with tenant_context(tenant):
            field = CustomField.objects.get(pk=product.pk)
            services.set_custom_field_sort_index(actor=Automation("benchmark"), field=field, indexed=False)
        sync()
    rows.append(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    for phase, lines in plans:
        rows += ["", f"### Plan, {phase}", "", "```", *lines, "```"]
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
