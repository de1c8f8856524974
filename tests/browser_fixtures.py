"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against the live test server: one
browser per test worker, whichever folder its tests live in (declared in tests/conftest.py)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.browser.conftest import ARGS, CHROMIUM


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _quiet_browser_after_each_test(request):
    """Close every page a test opened and let in-flight requests (htmx polling) finish before the database is
    flushed: a request still running against the live server would deadlock the flush."""
    yield
    if "browser" in request.fixturenames:
        browser = request.getfixturevalue("browser")
        for context in list(browser.contexts):
            context.close()
        time.sleep(1)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
