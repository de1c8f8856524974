"""`make demo`'s server process: a clear refusal when its port is taken, and nothing left running when stopped."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def test_stopping_the_demo_stops_its_web_server_and_worker(tmp_path):
    # given the demo serving
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "serve_demo", "--port", str(port)],
        cwd=ROOT, env=_demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    children: list[int] = []
    try:
        assert _serving(port, within=60)
        children = _children(demo.pid)
        assert len(children) == 2
        # when it is sent SIGTERM (`kill`, a service manager), not Ctrl-C
        demo.send_signal(signal.SIGTERM)
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
