"""Run a migration check (a module that migrates, writes the old way and checks) in a database of its own.

The checks migrate back and forth, which the test database must never see: each gets a scratch database made by
the owner role of the harness's PostgreSQL, dropped afterwards whatever happened."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def scratch_database_url() -> str | None:
    """The owner role's URL, when the tests run on PostgreSQL (None on SQLite: the checks are skipped)."""
    owner_url = os.environ.get("DATABASE_URL", "")
    return owner_url if owner_url.startswith("postgres") else None


def run_in_scratch_database(module: str, prefix: str) -> subprocess.CompletedProcess:
    """`python -m <module>` against a new database named `<prefix>_<random>`, which is dropped afterwards."""
    owner_url = scratch_database_url()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(owner_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": urlunsplit(urlsplit(owner_url)._replace(path=f"/{name}"))}
        env.setdefault("SECRET_KEY", f"{prefix}-check")
        return subprocess.run(
            [sys.executable, "-m", module], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        # The superuser drops it: an autovacuum worker started by the load belongs to no role
        # the owner can signal, so the owner's DROP ... WITH (FORCE) is refused.
        dropper = os.environ.get("DATABASE_SUPERUSER_URL") or owner_url
        with psycopg.connect(dropper, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
