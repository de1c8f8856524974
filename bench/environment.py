"""The bench's environment: Django pointed at the harness services, connected as the application role.

Every bench script calls configure_environment before it imports Django (python -m tests.harness --shell gives
the variables it reads; bench/README.md).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def configure_environment(args) -> None:
    """Point Django at the harness services, connecting as the application role."""
    url = os.environ.get("DATABASE_URL", "")
    user = os.environ.get("TEST_APP_DATABASE_USER")
    if not url.startswith("postgres") or not user:
        sys.exit(
            "Run with the harness environment: `python -m tests.harness --shell > /tmp/bench-svc.env &` then "
            "`source <(grep export /tmp/bench-svc.env)` (needs DATABASE_URL and TEST_APP_DATABASE_USER)."
        )
    os.environ.setdefault("OWNER_DATABASE_URL", url)
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    password = os.environ.get("TEST_APP_DATABASE_PASSWORD", "")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECURE_HTTPS", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("BASE_DOMAIN", "localhost")
    # No collectstatic here: plain storage (the manifest lookup it replaces is a dict lookup either way).
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    os.environ.setdefault("MEDIA_ROOT", "/tmp/tessera-bench-media")  # noqa: S108 - nothing is uploaded
    redis = os.environ.get("REDIS_URL")
    if redis:
        os.environ.setdefault("CELERY_BROKER_URL", f"{redis}/11")
        os.environ.setdefault("CACHE_URL", f"{redis.replace('redis://', 'rediscache://')}/12")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
