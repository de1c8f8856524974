"""The agent pages bench.run measures: the tickets the scenarios act on (found, or made through the services), the
search words of a rare, a medium and a common match count, and the scenarios themselves in the report's order."""

from __future__ import annotations

import time

from bench.measure import Expect, Scenario

# What a list page must show: its results (else it measured a sign-in redirect or an error page).
RESULTS_PAGE = Expect(200, 'id="results"')


def get(url):
    return lambda c, i: c.get(url)


def prepare(tenant, supervisor, runs_needed):
    """Pick (and where needed make) the tickets the scenarios act on: all inside the tenant, via the services."""
    from django.db import transaction

    from tenancy.context import tenant_context
    from tickets import services
    from tickets.models import Contact, Queue, Ticket

    subject = "[bench] ticket with 50 messages"
    with tenant_context(tenant), transaction.atomic():
        queue = Queue.objects.get(is_default=True)  # "General": the largest queue of the seeded data
        big = Ticket.objects.filter(subject=subject).first()
        if big is None:
            contact = Contact.objects.order_by("id").first()
            big = services.create_ticket(
                actor=supervisor, contact=contact, subject=subject, body="First message of a long conversation."
            )
            for n in range(49):
                if n % 2 == 0:
                    services.reply(ticket=big, actor=supervisor, body=f"Agent answer number {n}: we are on it.")
                else:
                    services.reply(ticket=big, actor=contact, body=f"Customer follow-up {n}: still broken here.")
            big.refresh_from_db()
        messages = big.messages.count()
        open_ids = list(
            Ticket.objects.filter(status="open", is_open=True, merged_into__isnull=True)
            .exclude(pk=big.pk)
            .order_by("-id")
            .values_list("number", flat=True)[:runs_needed]
        )
        unassigned = list(
            Ticket.objects.filter(is_open=True, assignee__isnull=True, status="new")
            .order_by("-id")
            .values_list("number", flat=True)[:runs_needed]
        )
        contact_email = Contact.objects.filter(email__isnull=False).order_by("-id").values_list("email", flat=True)[0]
    return {
        "queue": queue,
        "big": big,
        "big_messages": messages,
        "open_numbers": open_ids,
        "unassigned_numbers": unassigned,
        "contact_email": contact_email,
    }


def pick_search_words(tenant):
    """A rare, a medium and a common word of the seeded vocabulary, with their match counts."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import transaction

    from tenancy.context import tenant_context
    from tickets.bench_seed.vocabulary import RARE_WORDS, medium_words
    from tickets.models import Ticket
    from tickets.search_words import SEARCH_CONFIG

    def count(word, cap=1_000_000):
        query = SearchQuery(word, config=SEARCH_CONFIG, search_type="websearch")
        return Ticket.objects.filter(search_vector=query)[:cap].count()

    with tenant_context(tenant), transaction.atomic():
        total = Ticket.objects.count()
        rare = next(((w, n) for w in RARE_WORDS[:200] if 0 < (n := count(w)) <= 100), (RARE_WORDS[0], 0))
        vocabulary = medium_words()  # Zipf-ranked: ~1% of tickets around rank 400
        candidates = [vocabulary[rank] for rank in (150, 250, 400, 600, 900) if rank < len(vocabulary)]
        medium = min(((w, count(w)) for w in candidates), key=lambda wn: abs(wn[1] - total * 0.01))
        common = ("password", count("password"))
    return total, [rare, medium, common]


def page_scenarios(args, tenant, supervisor, data, words, host) -> list[Scenario]:
    """Every scenario, in the report's order: the lists, the ticket page, the searches, then the writes (each
    write acts on a ticket of its own: `data` holds enough for every run)."""
    from django.core.cache import cache
    from django.test import Client

    from tickets import picklists

    queue = data["queue"]
    queue_url = f"/desk/queues/{queue.pk}/?status=open&sort=due"
    open_numbers = iter(data["open_numbers"])
    unassigned = iter(data["unassigned_numbers"])
    created = iter(range(10**6))
    run_stamp = int(time.time())  # portal submitters' addresses differ from one bench run to the next

    def get_after_list_change(url):
        # As after an admin renames a queue or an agent joins: the tenant's cached lists are read afresh
        # (the two cache writes of forget() are timed with the request).
        def request(c, i):
            picklists.forget(tenant.pk)
            return c.get(url)

        return request

    def get_with_counts_recomputed(url):
        # As an agent gets the page when the sidebar's 15-second counts have expired (or after a bulk action):
        # the supervisor's cached counts are dropped before each request (the drop is timed with it, ~0.2 ms).
        # Raw Redis keys: the cache's key function names the tenant only inside a request's scope. The keys are
        # found by a SCAN once and then deleted by name (each request writes them again), scanning afresh only
        # when the delete finds none: a SCAN of the whole cache database before every request cost 1-8 ms of
        # the timing once the shared Redis held a few thousand keys, none of it the page's.
        redis = getattr(cache, "client", None)  # django-redis; Django's own RedisCache keeps it in _cache
        redis = redis.get_client(write=True) if redis else cache._cache.get_client(write=True)
        pattern = f"*:t{tenant.pk}:sidebar-counts:{supervisor.pk}:*"
        keys: list = []

        def request(c, i):
            if not (keys and redis.delete(*keys)):
                keys[:] = redis.scan_iter(pattern, count=1000)
                if keys:
                    redis.delete(*keys)
            return c.get(url)

        return request

    def reply(c, i):
        return c.post(f"/desk/tickets/{next(open_numbers)}/reply/", {"kind": "reply", "body": f"Bench reply {i}."})

    def claim(c, i):
        return c.post(f"/desk/tickets/{next(unassigned)}/claim/")

    def create(c, i):
        # An agent reads the confirmation on the ticket page the redirect leads to; this client never follows it,
        # so without this its messages cookie grew by one per run (~230 messages parsed and re-signed each time).
        c.cookies.pop("messages", None)  # MESSAGE_COOKIE_NAME is not set: Django's default name
        n = next(created)
        return c.post(
            "/desk/tickets/new/",
            {
                "email": data["contact_email"], "name": "", "phone": "", "channel": "phone",
                "subject": f"Bench phone call {n}", "body": f"Caller reports the export fails again ({n}).",
                "priority": 2, "queue": "", "category": "",
            },
        )  # fmt: skip

    # One handler for every visitor, as one server process: a new Client per request built the middleware chain
    # again each time (about a thousand Python calls no server pays per request).
    visitor = Client(HTTP_HOST=host)

    def portal_post(c, i):
        # An anonymous visitor each time (no cookies), from their own address and network: the form's
        # per-address and per-network hourly limits stay out of the way, as for real visitors.
        # The address moves on with the run's stamp: the per-network counters live an hour in the shared cache,
        # and runs numbered from 0 each time met their predecessors' counters (429 from the tenth run on).
        n = next(created)
        a = (run_stamp * 1000 + n) % (1 << 24)
        visitor.cookies.clear()
        return visitor.post(
            "/new/",
            {
                "name": "Bench Visitor", "email": f"visitor{run_stamp}-{n}@bench.example", "category": "",
                "subject": f"Cannot export invoices ({n})", "website": "",
                "description": "The export button spins and then nothing happens. Tried twice.",
            },
            REMOTE_ADDR=f"10.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}",
        )  # fmt: skip

    ticket_page = Expect(200, data["big"].subject)
    scenarios = [
        Scenario("queue_p1", f"Queue page 1 (`{queue.name}`, status=open, sort=due)", get(queue_url), 20, True,
                 RESULTS_PAGE),
        Scenario("queue_deep", f"Queue page {args.deep_page}", get(f"{queue_url}&page={args.deep_page}"), 50, True,
                 RESULTS_PAGE),
        Scenario("ticket", f"Ticket page ({data['big_messages']} messages)",
                 get(f"/desk/tickets/{data['big'].number}/"), 20, expect=ticket_page),
    ]  # fmt: skip
    ticket_url = f"/desk/tickets/{data['big'].number}/"
    scenarios += [
        Scenario("queue_p1_counts", "Queue page 1, sidebar counts recomputed",
                 get_with_counts_recomputed(queue_url), 30, expect=RESULTS_PAGE),
        Scenario("queue_p1_lists", "Queue page 1, lists read afresh", get_after_list_change(queue_url), 30,
                 expect=RESULTS_PAGE),
        Scenario("ticket_lists", "Ticket page, lists read afresh", get_after_list_change(ticket_url), 30,
                 expect=ticket_page),
        Scenario("all_view", "All tickets view, no search (sort=due)", get("/desk/views/all/"), 50, True, RESULTS_PAGE),
        Scenario("escalated_view", "Escalated view (sort=due)", get("/desk/views/escalated/"), 50, True, RESULTS_PAGE),
        Scenario("dashboard", "Dashboard", get("/desk/dashboard/"), 50, True, Expect(200, "<h1>Dashboard</h1>")),
    ]  # fmt: skip
    for label, (word, matches) in zip(("rare", "medium", "common"), words, strict=True):
        scenarios.append(
            Scenario(
                f"search_{label}",
                f"Search, {label} word `{word}` ({matches:,} matches)",
                get(f"/desk/views/all/?q={word}"),
                50,
                True,
                RESULTS_PAGE,
            )
        )
    (_, _), (medium, _), (common, _) = words
    scenarios += [
        Scenario("search_two_words", f"Search, two words `{medium} {common}`",
                 get(f"/desk/views/all/?q={medium}+{common}"), 50, True, RESULTS_PAGE),
        Scenario("search_phrase", f"Search, phrase `\"{common} {medium}\"`",
                 get(f"/desk/views/all/?q=%22{common}+{medium}%22"), 50, True, RESULTS_PAGE),
        Scenario("reply", "Reply (POST)", reply, expect=Expect(302, location="/desk/tickets/")),
        Scenario("claim", "Claim (POST, unassigned ticket)", claim, expect=Expect(302, location="/desk/tickets/")),
        Scenario("create", "Agent create ticket (POST)", create, 15, expect=Expect(302, location="/desk/tickets/")),
        Scenario("portal_post", "Portal form POST (anonymous visitor)", portal_post, 15,
                 expect=Expect(302, location="/new/thanks/")),
    ]  # fmt: skip
    return scenarios
