"""`make demo`'s server process: a clear refusal when its port is taken, and nothing left running when stopped."""

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _demo_env(workdir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE", "CACHE", "CELERY"))}
    env.update(
        SECRET_KEY="serve-demo-test-0123456789abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="false",
        DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3",
        CACHE_URL="dbcache://tessera_cache",
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(workdir / "broker"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(workdir / "beat-schedule"),
        STATIC_ROOT=str(workdir / "static"),
        SECURE_HTTPS="false",
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serving(port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state != "Z"


def test_a_taken_port_is_refused_with_a_way_out(tmp_path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # noqa: S104 - as runserver would
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
            cwd=ROOT, env=_demo_env(tmp_path), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode != 0
    assert f"Port {port} is already in use" in result.stderr and f"make demo PORT={port + 1}" in result.stderr
    assert "is running" not in result.stdout


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell's `&` starts it: SIGINT ignored, inherited


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_demo_stops_its_web_server_and_worker(tmp_path, signum):
    # given the demo serving (for SIGINT, started the way a shell starts it in the background)
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
        cwd=ROOT, env=_demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=_ignore_interrupt if signum == signal.SIGINT else None,
    )  # fmt: skip
    children: list[int] = []
    try:
        assert _serving(port, within=60)
        children = _children(demo.pid)
        assert len(children) == 2
        # when it is sent SIGTERM (`kill`, a service manager) or SIGINT (Ctrl-C)
        demo.send_signal(signum)
        output, _ = demo.communicate(timeout=30)
        left = [child for child in children if _alive(child)]
    finally:
        for pid in [*children, demo.pid]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    # then the web server and the worker are gone too, and the port is free again
    assert "Demo stopped." in output
    assert left == []
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("0.0.0.0", port))  # noqa: S104


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses (hex, as the kernel writes them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_the_demo_listens_on_this_machine_only_unless_asked(tmp_path):
    # given the demo started as `make demo` starts it, without a host
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
        cwd=ROOT, env=_demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    children: list[int] = []
    try:
        assert _serving(port, within=60)
        children = _children(demo.pid)
        # when we look at what listens on its port
        listening = _listening_addresses(port)
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.communicate(timeout=30)
        for pid in [*children, demo.pid]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    # then only the loopback address does (127.0.0.1 is 0100007F in the kernel's byte order), not 0.0.0.0
    assert listening == {"0100007F"}


def test_the_makefile_passes_the_host_and_defaults_to_loopback():
    makefile = (ROOT / "Makefile").read_text()
    assert "HOST   ?= 127.0.0.1" in makefile
    assert "serve_demo --host $(HOST) --port $(PORT)" in makefile


@pytest.fixture(scope="module")
def migrated_demo(tmp_path_factory) -> Path:
    """A migrated demo database with its cache table, made once: each cold start copies it into a fresh folder."""
    template = tmp_path_factory.mktemp("demo-template")
    for command in (["migrate", "--verbosity", "0"], ["createcachetable"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=_demo_env(template), check=True, timeout=300,
            capture_output=True, text=True,
        )  # fmt: skip
        # SQLite has no covering indexes: the models declare them only where the database has them (no W040)
        assert "W040" not in done.stdout + done.stderr and "System check identified" not in done.stdout + done.stderr
    return template


def _lines(stream) -> queue.Queue:
    """The child's output, line by line, readable with a timeout."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, marker: str, within: float) -> list[str]:
    seen, deadline = [], time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
        if marker in seen[-1]:
            return seen
    raise AssertionError(f"{marker!r} not printed within {within} s:\n{''.join(seen)[-3000:]}")


def _drain(lines: queue.Queue) -> list[str]:
    drained = []
    with contextlib.suppress(queue.Empty):
        while True:
            drained.append(lines.get_nowait())
    return drained


def test_serve_demo_survives_cold_starts_and_prints_the_newcomer_block_last(tmp_path, migrated_demo):
    from tenancy.demo import DEMO_PASSWORD, PLATFORM_LOGIN, logins

    for attempt in range(3):
        # given a fresh demo folder (new broker folder, no beat schedule) with a migrated database
        workdir = tmp_path / f"start-{attempt}"
        workdir.mkdir()
        shutil.copy(migrated_demo / "db.sqlite3", workdir / "db.sqlite3")
        env = _demo_env(workdir)
        port = _free_port()
        # when the demo starts
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        children: list[int] = []
        try:
            lines = _lines(demo.stdout)
            # then the block comes once the worker has run a task sent through the broker, and nothing after it
            before = _read_until(lines, "Tessera demo is ready.", within=90)
            block = _read_until(lines, "Stop: press Ctrl-C", within=10)
            children = _children(demo.pid)
            time.sleep(3)
            after = [line for line in _drain(lines) if line.strip()]
            # and it stays up, its worker answering, for a while
            for _ in range(10):
                time.sleep(1)
                assert demo.poll() is None, "".join(before + block + after + _drain(lines))
            health = subprocess.run(
                ["curl", "-s", "-H", "Host: localhost", f"http://127.0.0.1:{port}/healthz"],
                capture_output=True, text=True, timeout=10,
            ).stdout  # fmt: skip
        finally:
            demo.send_signal(signal.SIGTERM)
            rest, _ = demo.communicate(timeout=30)
            for pid in [*children, demo.pid]:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
        output = "".join(before + block + after) + rest
        printed = "".join(block)
        assert after == [], f"printed after the block on start {attempt}: {''.join(after)}"
        assert '"scheduler_last_beat_at": "20' in health
        assert "has not answered" not in output and "Traceback" not in output and "JSONDecodeError" not in output
        # the block: addresses, every login with the password, where mail goes, how to stop; no secret anywhere
        assert f"http://acme.localhost:{port}/" in printed and f"http://localhost:{port}/admin/" in printed
        assert DEMO_PASSWORD in printed and PLATFORM_LOGIN in printed and "Mail:" in printed
        shown = set(re.findall(r"[\w.]+@[\w.]+", printed))
        shorthand = {f"{local}{domain}" for local, domain in _also(printed)}
        assert shown | shorthand == {*logins(), PLATFORM_LOGIN}
        assert env["SECRET_KEY"] not in output
        assert not any(key and key in output for key in env.get("FIELD_ENCRYPTION_KEYS", "").split(","))
        assert "celery@" not in output and "SecurityWarning" not in output and "No hostname" not in output


def _also(printed: str) -> list[tuple[str, str]]:
    """("agent2@", "acme.example") for each "(also agent2@, …)" line, with the domain of the line above."""
    found, domain = [], ""
    for line in printed.splitlines():
        full = re.findall(r"[\w.]+@([\w.]+)", line)
        if full:
            domain = full[-1]
        found += [(local, domain) for local in re.findall(r"(\w+@)(?=[,)])", line)] if "(also" in line else []
    return found
