"""Environment for the test run, loaded as a pytest plugin before Django reads its settings.

The services come from `python -m tests.harness` (what `make test` runs): PostgreSQL as DATABASE_URL (the
owner role, which creates and migrates the test databases; the tests themselves then connect as the
application role, see conftest.py) and Redis as REDIS_URL, split into databases per xdist worker.
"""

import os

if not os.environ.get("DATABASE_URL"):
    raise SystemExit(
        "The tests need the PostgreSQL and Redis that the harness starts: run `make test`, or "
        "`.venv/bin/python -m tests.harness .venv/bin/pytest ...`."
    )

_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_redis = os.environ.get("REDIS_URL", "").rstrip("/")

os.environ.update(
    {
        "SECRET_KEY": "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SECURE_HTTPS": "false",
        "PUBLIC_SCHEME": "http",
        "PUBLIC_PORT": "",
        "BASE_DOMAIN": "localhost",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CACHE_KEY_PREFIX": f"test{_worker}",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DATABASE_CONN_MAX_AGE": "0",
        "EMAIL_URL": "consolemail://",
        # The receiving host whose Authentication-Results the intake believes (tests/tickets/mail_samples.py).
        "MAIL_TRUSTED_AUTHSERV_IDS": "mx.tessera.test",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": f"/tmp/tessera-test-media-{os.getpid()}",
        # Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are safe.
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "STATIC_ROOT": f"/tmp/tessera-test-static-{os.getpid()}",
        # Secrets at rest: a fixed test key (base64 of "tests-only-field-encryption-key!").
        "FIELD_ENCRYPTION_KEYS": "dGVzdHMtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
        # The tests' IMAP servers and webhook receivers listen on 127.0.0.1; the guard's own tests turn this off.
        "OUTBOUND_ALLOW_PRIVATE_NETWORKS": "true",
    }
)
os.makedirs(os.environ["STATIC_ROOT"], exist_ok=True)
if _redis:
    os.environ["CELERY_BROKER_URL"] = f"{_redis}/{2 * _worker + 1}"
    os.environ["CACHE_URL"] = f"{_redis.replace('redis://', 'rediscache://')}/{2 * _worker + 2}"
