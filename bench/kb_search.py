"""Knowledge-base search and suggestion latency with 20,000 articles in one tenant (issue 18: p95 ≤ 50 ms).

    HARNESS_DURABLE=1 python -m tests.harness python -m bench.kb_search [--articles 20000] [--runs 50]

Migrates the database as the owner if needed, then, as the application role (row-level security on): makes a
tenant with `--articles` articles (80 % published and public, the rest internal or drafts; the trigger builds
each search vector in 'english') and a second tenant with a tenth as many, ANALYZEs as the owner, and times:

- the selectors alone (`kb.selectors.search` / `suggest`, as the help centre and the request form call them),
- the pages through Django's test Client (middleware, session, view, template): GET /help/search/?q=… and
  GET /help/suggestions/?subject=… on the tenant's host.

Prints p50/p95 (nearest rank) per query, the machine and database settings, and the plan of the slowest search.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time

from bench.environment import configure_environment

COMMON = [
    "account", "password", "invoice", "payment", "export", "webhook", "team", "plan", "card", "refund", "sign",
    "email", "billing", "settings", "browser", "download", "upgrade", "member", "report", "integration",
]  # fmt: skip
SYLLABLES = ["ka", "lo", "mi", "ran", "tes", "vor", "qui", "zen", "pra", "dol", "fen", "gur", "hal", "jos", "nex"]
SEARCHES = {
    "common word (~40 %)": "password",
    "two common words": "refund invoice",
    "medium word (~1 %)": None,  # filled with a generated word of that frequency
    "rare code (1 article)": "zx-4711-product",
    "no result": "qwertyuiopasdf",
}
SUGGESTIONS = {
    "card declined": "Card declined when renewing my plan",
    "sign-in": "Can't sign in after password reset",
    "export firefox": "Export button does nothing in Firefox",
    "short": "webh",
}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def make_articles(*, count: int, rng: random.Random, tenant_id: int, words: list[str], with_rare: bool):
    from kb.models import Article, ArticleStatus, Visibility

    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf-like: a few frequent, many rare words
    batch = []
    for n in range(count):
        body_words = rng.choices(words, weights=weights, k=80)
        # ~40 % of articles mention "password"; each common word appears in a share of the articles.
        body_words += [w for i, w in enumerate(COMMON) if rng.random() < (0.4 if i == 1 else 0.08)]
        rng.shuffle(body_words)
        if with_rare and n == count // 2:
            body_words.append("zx-4711-product")
        title_words = rng.sample(COMMON, 2) + rng.choices(words, weights=weights, k=3)
        text = " ".join(body_words).capitalize() + "."
        public = rng.random() < 0.8
        status = ArticleStatus.PUBLISHED if public or rng.random() < 0.5 else ArticleStatus.DRAFT
        batch.append(Article(
            tenant_id=tenant_id, title=" ".join(title_words).capitalize()[:200], slug=f"article-{n}",
            body_markdown=text, body_html=f"<p>{text}</p>", body_text=text, status=status,
            visibility=Visibility.PUBLIC if public else Visibility.INTERNAL, search_config="english",
        ))  # fmt: skip
        if len(batch) == 1000:
            Article.objects.bulk_create(batch)
            batch = []
    if batch:
        Article.objects.bulk_create(batch)


def timed(call, *, runs: int, warmups: int = 3) -> list[float]:
    """Milliseconds per call; each call in one transaction, as a request runs (ATOMIC_REQUESTS)."""
    from django.db import transaction

    for _ in range(warmups):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with transaction.atomic():
            call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _reads_articles(sql: str) -> bool:
    """A SELECT on the articles or on their narrow suggestion entries (kb.models.SuggestionEntry)."""
    return ("kb_article" in sql or "kb_suggestionentry" in sql) and sql.lstrip().upper().startswith("SELECT")


def database_ms(call) -> float:
    """The database's own execution time of the call's queries on the articles (EXPLAIN ANALYZE, summed): what
    the machine's other load and Python add is the difference from the wall-clock time."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    total = 0.0
    for query in captured.captured_queries:
        if not _reads_articles(query["sql"]):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        total += float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
    return total


def plans(call) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the call's queries on kb_article, as the application runs them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    found = []
    for query in captured.captured_queries:
        if _reads_articles(query["sql"]):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                found.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(found)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    configure_environment(args)
    owner_url = os.environ["OWNER_DATABASE_URL"]
    owner_env = {**os.environ, "DATABASE_URL": owner_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=owner_env, check=True)

    import django

    django.setup()
    import psycopg
    from django.db import connection
    from django.test import Client

    from kb import selectors
    from kb.models import Article, KbSettings
    from kb.views import help as help_views

    # One client makes every request: lift the per-address rate limits, or most timed requests would be 429s.
    help_views.SEARCH_RATE = help_views.SUGGEST_RATE = "1000000/m"
    from tenancy.context import tenant_context, unscoped
    from tenancy.models import Tenant

    rng = random.Random(18)  # noqa: S311 - reproducible data, not security
    words = vocabulary(rng)
    stamp = int(time.time())
    with unscoped():
        tenant = Tenant.objects.create(slug=f"kbbench{stamp}", name="KB bench", ticket_prefix="KB")
        other = Tenant.objects.create(slug=f"kbother{stamp}", name="KB other", ticket_prefix="KO")
    started = time.perf_counter()
    for target, count in ((tenant, args.articles), (other, args.articles // 10)):
        with tenant_context(target):
            KbSettings.objects.create(search_config="english")
            make_articles(count=count, rng=rng, tenant_id=target.pk, words=words, with_rare=target is tenant)
    loaded = time.perf_counter() - started
    with psycopg.connect(owner_url.replace("postgres://", "postgresql://", 1), autocommit=True) as owner:
        owner.execute("ANALYZE kb_article")
        owner.execute("ANALYZE kb_suggestionentry")
    # A word in about 1 % of the public articles, for the "medium" search.
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat('SELECT search_vector FROM kb_article') WHERE ndoc BETWEEN %s AND %s "
            "AND word ~ '^[a-z]+$' ORDER BY ndoc DESC LIMIT 1",
            [args.articles // 120, args.articles // 80],
        )
        SEARCHES["medium word (~1 %)"] = cursor.fetchone()[0]
        public = Article.objects.public().count()

    rows = []
    client = Client(HTTP_HOST=tenant.host, HTTP_USER_AGENT="Mozilla/5.0 (bench) Firefox/128.0")
    with tenant_context(tenant):
        for label, query in SEARCHES.items():
            hits = len(selectors.search(member=None, query=query, config="english", public_only=True))
            selector = timed(lambda q=query: selectors.search(member=None, query=q, config="english",
                                                              public_only=True), runs=args.runs)  # fmt: skip
            db = database_ms(lambda q=query: selectors.search(member=None, query=q, config="english",
                                                              public_only=True))  # fmt: skip
            rows.append(("search", label, query, hits, selector, db))
        for label, text in SUGGESTIONS.items():
            hits = len(selectors.suggest(member=None, text=text, config="english", public_only=True))
            selector = timed(lambda t=text: selectors.suggest(member=None, text=t, config="english",
                                                              public_only=True), runs=args.runs)  # fmt: skip
            db = database_ms(lambda t=text: selectors.suggest(member=None, text=t, config="english",
                                                              public_only=True))  # fmt: skip
            rows.append(("suggest", label, text, hits, selector, db))
        plan = plans(lambda: selectors.suggest(member=None, text=SUGGESTIONS["card declined"], config="english",
                                               public_only=True))  # fmt: skip
    pages = []
    for label, query in SEARCHES.items():
        pages.append(("GET /help/search/", label, timed(lambda q=query: client.get("/help/search/", {"q": q}),
                                                         runs=args.runs)))  # fmt: skip
    for label, text in SUGGESTIONS.items():
        pages.append(("GET /help/suggestions/", label, timed(
            lambda t=text: client.get("/help/suggestions/", {"subject": t}), runs=args.runs)))  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'work_mem', 'server_version') ORDER BY name"
        )
        database = ", ".join(f"{name}={setting}" for name, setting in cursor.fetchall())
        cursor.execute("SELECT proleakproof FROM pg_proc WHERE proname = 'ts_match_vq'")
        leakproof = cursor.fetchone()[0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average {load} "
          f"(shared with other work); database: {database}")  # fmt: skip
    print(f"ts_match_vq LEAKPROOF: {leakproof}; row-level security on (application role)")
    print(f"articles: {args.articles:,} in the tenant ({public:,} public), {args.articles // 10:,} in another; "
          f"loaded in {loaded:.1f}s; {args.runs} timed runs each after 3 warm-ups")  # fmt: skip
    print("\n| what | case | words | hits | p50 ms | p95 ms | database ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for kind, label, text, hits, samples, db in rows:
        print(f"| {kind} (selector) | {label} | `{text}` | {hits} | {percentile(samples, 50):.1f} | "
              f"{percentile(samples, 95):.1f} | {db:.1f} |")  # fmt: skip
    for path, label, samples in pages:
        print(f"| {path} | {label} | | | {percentile(samples, 50):.1f} | {percentile(samples, 95):.1f} | |")
    print("\nPlans of the suggestion for “card declined” (EXPLAIN ANALYZE, BUFFERS), as the application runs them:\n")
    print("\n".join(f"    {line}" for line in plan.splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
