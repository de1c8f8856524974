"""How bench.run (and the peer's bench) time a request: scenarios, the response each must give, the timed runs and
the separate query-counting pass, the percentiles, and the state of the machine and PostgreSQL around them.

Nothing here imports Django at module level: the peer's bench (bench/peer, its own virtualenv) uses it too.
"""

from __future__ import annotations

import time
from pathlib import Path


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class NotTheRealPage(AssertionError):
    """A response that is not what the scenario measures (a sign-in redirect, an error page)."""


class Expect:
    """What a scenario's response must be: its status, and a marker in the body (200) or the redirect's target."""

    def __init__(self, status: int = 200, marker: str = "", location: str = ""):
        self.status, self.marker, self.location = status, marker, location

    def check(self, scenario_name: str, response) -> None:
        problem = ""
        if response.status_code != self.status:
            problem = f"status {response.status_code}, expected {self.status}"
        elif self.marker and self.marker.encode() not in response.content:
            problem = f"no {self.marker!r} in the page"
        elif self.location and not response.get("Location", "").startswith(self.location):
            problem = f"redirect to {response.get('Location')!r}, expected {self.location!r}..."
        if problem:
            where = response.get("Location", "")
            raise NotTheRealPage(f"{scenario_name}: {problem}{f' (to {where})' if where else ''}")


class Scenario:
    def __init__(self, name, label, request, target_ms=None, explain=False, expect=None):
        self.name, self.label, self.request, self.target_ms, self.explain = name, label, request, target_ms, explain
        self.expect = expect or Expect()
        self.times: list[float] = []
        self.cpu: list[float] = []  # this process's CPU time: Python's share, unaffected by other processes
        self.queries: list[int] = []
        self.slowest: list[tuple[float, str]] = []
        self.status = set()


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop: tells a slow (or busy) machine from a slow change."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def time_scenario(scenario, client, warmups, runs, offset=0):
    """Warm-ups, then `runs` timed requests with nothing capturing queries (capture costs ~3 ms a request)."""
    for i in range(offset, offset + warmups + runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = scenario.request(client, i)
        elapsed = (time.perf_counter() - start) * 1000
        cpu = (time.process_time() - cpu_start) * 1000
        scenario.status.add(response.status_code)
        scenario.expect.check(scenario.name, response)
        if i - offset >= warmups:
            scenario.times.append(elapsed)
            scenario.cpu.append(cpu)
    return scenario


def count_scenario(scenario, client, runs, connection, offset):
    """The separate counting pass: queries per request, and the slowest of the last one (for EXPLAIN)."""
    from django.test.utils import CaptureQueriesContext

    for i in range(offset, offset + runs):
        with CaptureQueriesContext(connection) as captured:
            response = scenario.request(client, i)
        scenario.expect.check(scenario.name, response)
        scenario.queries.append(len(captured.captured_queries))
        ranked = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        scenario.slowest = [(float(q["time"]) * 1000, q["sql"]) for q in ranked[:3]]
    return scenario


def run_scenario(scenario, client, warmups, runs, connection, count_runs=1):
    time_scenario(scenario, client, warmups, runs)
    if count_runs:
        count_scenario(scenario, client, count_runs, connection, offset=warmups + runs)
    return scenario


def sign_in(client, user, tenant) -> None:
    """force_login, with the session bound to the tenant's host as a sign-in there binds it
    (tenancy.middleware.SessionBindingMiddleware; tests.conftest.sign_in does the same): without the binding the
    desk sees an anonymous request and every page is a redirect to the sign-in form."""
    from tenancy.middleware import SESSION_HOST_KEY

    # The first backend that loads users, whichever the checkout under test names (bench.compare runs this
    # driver against older code).
    client.force_login(user)
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}"
    session.save()


DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")
SERVER_SETTINGS = (*DURABILITY, "shared_buffers", "work_mem", "random_page_cost", "effective_cache_size", "jit")


def server_settings(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(SERVER_SETTINGS)])
        rows = {name: (setting, unit) for name, setting, unit in cursor.fetchall()}
        shown = {}
        for name in SERVER_SETTINGS:
            cursor.execute(f"SHOW {name}")  # SHOW gives units as configured (1GB, not 131072 x 8kB)
            shown[name] = cursor.fetchone()[0]
    return {name: shown.get(name, rows.get(name, ("?", None))[0]) for name in SERVER_SETTINGS}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"
