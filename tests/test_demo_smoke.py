"""What a newcomer sees after `make demo`: the demo seeded on SQLite, every page loaded as each role."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_on_sqlite_serves_every_page_to_every_role(tmp_path):
    # given a fresh SQLite demo (migrated, seeded twice), in a process of its own
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE", "CACHE", "CELERY"))}
    # when every page is loaded anonymously and as customer, agent, supervisor and admin of both tenants
    result = subprocess.run(
        [sys.executable, "-m", "tests.demo_smoke", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then no page errors
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " 0 failed" in result.stdout
    assert "acme.localhost/desk/settings/ as admin: 200" in result.stdout
    assert "acme.localhost/desk/ as customer: 404" in result.stdout
    assert "ok   platform staff platform@tessera.example on /admin/: 200" in result.stdout
