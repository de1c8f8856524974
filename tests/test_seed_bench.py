"""`manage.py seed_bench` still loads a dataset once the models change (it writes rows by COPY, column by column,
so a new NOT NULL column breaks it without any other test noticing)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.mark.services
def test_seed_bench_loads_a_small_dataset_into_a_fresh_database():
    superuser = os.environ.get("DATABASE_SUPERUSER_URL")
    if not superuser:
        pytest.skip("needs the harness's superuser connection (make test)")
    # given a fresh, migrated database owned by the owner role
    name = f"seed_smoke_{uuid.uuid4().hex[:8]}"
    owner_url = _database_url(os.environ["DATABASE_URL"], name)
    with psycopg.connect(superuser, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" OWNER {urlsplit(os.environ["DATABASE_URL"]).username}')
    env = {
        **os.environ,
        "DATABASE_URL": owner_url,
        "PLATFORM_DATABASE_URL": _database_url(os.environ["PLATFORM_DATABASE_URL"], name),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr
        # when seed_bench loads 600 tickets into two tenants
        seed = subprocess.run(
            [sys.executable, "manage.py", "seed_bench", "--tickets", "600", "--tenants", "2"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        # then it finishes and every ticket, with its messages and events, is there
        assert seed.returncode == 0, seed.stdout + seed.stderr
        with psycopg.connect(_database_url(superuser, name)) as check:
            tickets, messages, events, contacts = check.execute(
                "SELECT (SELECT count(*) FROM tickets_ticket), (SELECT count(*) FROM tickets_message), "
                "(SELECT count(*) FROM tickets_ticketevent), (SELECT count(*) FROM tickets_contact)"
            ).fetchone()
        assert tickets == 600 and messages >= 600 and events >= 600 and contacts > 0
    finally:
        with psycopg.connect(superuser, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
