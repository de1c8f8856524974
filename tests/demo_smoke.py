"""Smoke-test the embedded demo as a newcomer gets it: SQLite, seeded, every page loaded as every role.

Run by tests/test_demo_smoke.py in a subprocess (the suite itself runs on PostgreSQL):
    python -m tests.demo_smoke WORKDIR
Prints one line per page and exits non-zero on the first page that errors.
"""

from __future__ import annotations

import os
import sys


def configure(workdir: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "demo-smoke-only-0123456789abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "CACHE_URL": "dbcache://tessera_cache",
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_FILESYSTEM_DIR": f"{workdir}/broker",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "MEDIA_ROOT": f"{workdir}/media",
            "STATIC_ROOT": f"{workdir}/static",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "SECURE_HTTPS": "false",
            "PUBLIC_SCHEME": "http",
            "PLATFORM_LIST_TENANTS": "true",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "ERROR",
        }
    )
    os.makedirs(f"{workdir}/static", exist_ok=True)


def page_urls(urlconf: str, samples: dict[str, list]) -> list[str]:
    """Every GET page of the URLconf, with sample arguments from the seeded data (POST-only actions answer 405)."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    def walk(patterns, prefix="", converters=None):
        for entry in patterns:
            found = {**(converters or {}), **entry.pattern.converters}
            if isinstance(entry, URLResolver):
                if entry.app_name != "admin":
                    yield from walk(
                        entry.url_patterns, prefix + (f"{entry.namespace}:" if entry.namespace else ""), found
                    )
            elif isinstance(entry, URLPattern) and entry.name:
                yield prefix + entry.name, found

    skip = {"logout", "password_reset_confirm"}  # POST-only, or needs a token
    urls = []
    for name, converters in walk(get_resolver(urlconf).url_patterns):
        if name in skip or any(key not in samples for key in converters):
            continue
        variants = [{}]
        for key in converters:
            variants = [{**v, key: value} for v in variants for value in samples[key]]
        urls += [reverse(name, urlconf=urlconf, kwargs=kwargs) for kwargs in variants]
    return sorted(set(urls))


def main(workdir: str) -> int:
    configure(workdir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from tenancy.demo import DEMO_PASSWORD, DEMO_TENANTS

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # running it twice must work
    from tenancy.tasks import heartbeat_task

    heartbeat_task()  # the demo's scheduler beats: /healthz/scheduler answers 200, as in `make demo`
    failures = assignment_failures()

    from tenancy.context import tenant_context
    from tenancy.models import Tenant
    from tickets.models import Attachment, Queue, Ticket

    checked = 0
    for spec in DEMO_TENANTS:
        host = f"{spec['slug']}.localhost"
        with tenant_context(Tenant.objects.get(slug=spec["slug"])):
            numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
            samples = {
                "number": numbers[:: max(1, len(numbers) // 5)],
                "queue_id": list(Queue.objects.values_list("pk", flat=True)),
                "view": ["mine", "unassigned", "escalated", "all"],
                "attachment_id": list(Attachment.objects.values_list("pk", flat=True)[:3]),
                "report": ["volume", "speed", "sla", "quality", "agents", "kb"],  # reporting/reports
            }
        tenant_urls = page_urls("config.urls", samples)
        for login in (None, "customer", "agent", "supervisor", "admin"):
            client = Client(HTTP_HOST=host)
            if login:
                response = client.post(
                    "/accounts/login/", {"username": f"{login}@{spec['domain']}", "password": DEMO_PASSWORD}
                )
                if response.status_code != 302:
                    print(f"FAIL sign-in {login}@{spec['domain']}: {response.status_code}")
                    failures += 1
                    continue
            for url in tenant_urls:
                status = client.get(url).status_code
                checked += 1
                ok = status < 500
                print(f"{'ok  ' if ok else 'FAIL'} {host}{url} as {login or 'anonymous'}: {status}")
                failures += not ok
    # Every login serve_demo prints signs in with the printed password, on its own help desk; platform staff
    # reach the admin on the platform host.
    from tenancy.demo import PLATFORM_LOGIN, logins

    for login in logins():
        host = f"{login.split('@')[1].split('.')[0]}.localhost"
        response = Client(HTTP_HOST=host).post("/accounts/login/", {"username": login, "password": DEMO_PASSWORD})
        ok = response.status_code == 302
        print(f"{'ok  ' if ok else 'FAIL'} sign-in {login} on {host}: {response.status_code}")
        failures += not ok
    staff = Client(HTTP_HOST="localhost")
    signed_in = staff.post("/admin/login/?next=/admin/", {"username": PLATFORM_LOGIN, "password": DEMO_PASSWORD})
    admin_index = staff.get("/admin/tenancy/tenant/")
    ok = signed_in.status_code == 302 and admin_index.status_code == 200 and "Globex" in admin_index.text
    print(f"{'ok  ' if ok else 'FAIL'} platform staff {PLATFORM_LOGIN} on /admin/: {admin_index.status_code}")
    failures += not ok
    for login in (None, "admin@acme.example"):
        # `make demo`'s scheduler beats every 30 s while it serves; the crawl above takes minutes on a busy machine,
        # longer than /healthz/scheduler allows between beats, so beat as that scheduler would have meanwhile.
        heartbeat_task()
        client = Client(HTTP_HOST="localhost")
        if login:
            client.post("/accounts/login/", {"username": login, "password": DEMO_PASSWORD})
        for url in page_urls("config.urls_platform", {}):
            status = client.get(url).status_code
            checked += 1
            ok = status < 500
            print(f"{'ok  ' if ok else 'FAIL'} localhost{url} as {login or 'anonymous'}: {status}")
            failures += not ok
    print(f"{checked} pages checked, {failures} failed")
    return 1 if failures or not checked else 0


def assignment_failures() -> int:
    """Every online demo agent has room under their capacity, and a new portal request is assigned by its queue's
    strategy at once (over capacity, the demo's routing would only ever say "waits unassigned")."""
    from django.db.models import Count

    from routing.assignment.reasons import list_assignment_reasons
    from tenancy.context import tenant_context
    from tenancy.demo import DEMO_TENANTS
    from tenancy.models import Membership, Tenant
    from tickets.feed.dispatch import drain
    from tickets.models import Ticket
    from tickets.services.portal import submit_request

    failures = 0
    for spec in DEMO_TENANTS:
        tenant = Tenant.objects.get(slug=spec["slug"])
        with tenant_context(tenant):
            open_tickets = Ticket.objects.filter(is_open=True).values("assignee_id").annotate(n=Count("id"))
            loads = {row["assignee_id"]: row["n"] for row in open_tickets}
            staff = Membership.objects.filter(role__in=["agent", "supervisor"], availability="online")
            for member in staff.select_related("user"):
                load = loads.get(member.pk, 0)
                ok = load < member.capacity
                print(f"{'ok  ' if ok else 'FAIL'} {member.user.email} holds {load} of {member.capacity} open")
                failures += not ok
            customer = Membership.objects.select_related("user").get(user__email=f"customer@{spec['domain']}")
            ticket = submit_request(
                email=customer.user.email, name=customer.user.full_name, subject="My printer is jammed",
                description="It jams on every page since this morning.", membership=customer, tenant=tenant,
            )  # fmt: skip
            drain()  # what the worker does with the change feed
            ticket.refresh_from_db()
            ok = ticket.assignee_id is not None
            reasons = [reason.summary for reason in list_assignment_reasons(ticket.pk)]
            print(f"{'ok  ' if ok else 'FAIL'} new portal request {ticket.reference} in {ticket.queue}: {reasons}")
            failures += not ok
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
