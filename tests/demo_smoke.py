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


def page_names(urlconf: str) -> list[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name == "admin":
                    continue
                yield from walk(entry.url_patterns, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
                yield prefix + entry.name

    skip = {"logout", "password_reset_confirm"}  # POST-only, or needs a token
    return sorted(name for name in walk(get_resolver(urlconf).url_patterns) if name not in skip)


def main(workdir: str) -> int:
    configure(workdir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from tenancy.demo import DEMO_PASSWORD, DEMO_TENANTS

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # running it twice must work

    failures = 0
    checked = 0
    for spec in DEMO_TENANTS:
        host = f"{spec['slug']}.localhost"
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
            for name in page_names("config.urls"):
                url = reverse(name, urlconf="config.urls")
                status = client.get(url).status_code
                checked += 1
                ok = status < 500
                print(f"{'ok  ' if ok else 'FAIL'} {host}{url} as {login or 'anonymous'}: {status}")
                failures += not ok
    for login in (None, "admin@acme.example"):
        client = Client(HTTP_HOST="localhost")
        if login:
            client.post("/accounts/login/", {"username": login, "password": DEMO_PASSWORD})
        for name in page_names("config.urls_platform"):
            url = reverse(name, urlconf="config.urls_platform")
            status = client.get(url).status_code
            checked += 1
            ok = status < 500
            print(f"{'ok  ' if ok else 'FAIL'} localhost{url} as {login or 'anonymous'}: {status}")
            failures += not ok
    print(f"{checked} pages checked, {failures} failed")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
