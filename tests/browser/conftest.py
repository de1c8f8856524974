"""Helpers for the browser tests. The fixtures (`browser`, `page`, `phone`) live in tests/browser_fixtures.py and
are declared once in tests/conftest.py: a second session-wide Playwright in the same worker (a test module that
imported the fixture itself) fails with "Sync API inside the asyncio loop"."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def tenant_url(live_server, tenant, path: str = "/") -> str:
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://{tenant.host}:{port}{path}"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, live_server, tenant, email: str, password: str = "tessera-demo") -> None:
    page.goto(tenant_url(live_server, tenant, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
