"""Start throw-away PostgreSQL and Redis servers from the installed binaries, run a command, stop them.

    python -m tests.harness pytest -n 2        # what `make test` runs
    python -m tests.harness --shell            # keep them up and print the environment, for manual work

PostgreSQL gets a fresh cluster in a temporary directory on a free loopback port, run as the `postgres`
system user when we are root (initdb refuses root), with fsync off (on with HARNESS_DURABLE=1, for benchmarks);
shared_buffers, work_mem, random_page_cost, effective_cache_size, jit and max_wal_size can be set with
HARNESS_<NAME> (tuning_settings), as bench/README.md does.
The cluster gets the three roles the
application expects: tessera_owner (owns the tables, runs migrations, creates the test databases),
tessera_app (what the application connects as: not superuser, not owner, not BYPASSRLS, member of no role) and
tessera_platform (LOGIN BYPASSRLS: the platform connection that unscoped() uses). As superuser it marks
ts_match_vq LEAKPROOF in template1, so full-text search under row-level security can use the GIN index.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

OWNER, APP, PLATFORM = "tessera_owner", "tessera_app", "tessera_platform"
PASSWORD = "tessera-test"  # a throw-away cluster on loopback that lives as long as one test run

BOOTSTRAP_SQL = f"""
CREATE ROLE {OWNER} LOGIN CREATEDB BYPASSRLS PASSWORD '{PASSWORD}';
CREATE ROLE {APP} LOGIN NOSUPERUSER NOCREATEDB NOBYPASSRLS PASSWORD '{PASSWORD}';
CREATE ROLE {PLATFORM} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS PASSWORD '{PASSWORD}';
CREATE DATABASE tessera OWNER {OWNER};
"""
TEMPLATE_SQL = """
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
ALTER FUNCTION pg_catalog.jsonb_contains(jsonb, jsonb) LEAKPROOF;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        candidate = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        if (candidate / "initdb").exists():
            return candidate
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(found, "initdb").exists():
            return Path(found)
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    sys.exit("PostgreSQL server binaries not found (Debian: apt-get install postgresql).")


def _as_postgres_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        sys.exit("Running as root needs a 'postgres' system user to run the server (apt-get install postgresql).")
    # /usr/sbin is not on every PATH (a login without sbin, a minimal CI environment).
    candidates = (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser")
    runuser = next((path for path in candidates if path and Path(path).exists()), None)
    if runuser is None:
        sys.exit("Running as root needs runuser (util-linux) to start PostgreSQL as the postgres user.")
    return [runuser, "-u", "postgres", "--"]


def _wait_for(port: int, what: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited early with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    sys.exit(f"{what} did not start listening on port {port} within {seconds}s")


def durability_settings() -> list[str]:
    """fsync and synchronous commit off for the test suite; on (production's durability) with HARNESS_DURABLE=1,
    which benchmarks use so that writes are not flattered."""
    value = "on" if os.environ.get("HARNESS_DURABLE") == "1" else "off"
    return [arg for name in ("fsync", "synchronous_commit", "full_page_writes") for arg in ("-c", f"{name}={value}")]


# Server settings a benchmark may set from the environment (HARNESS_<NAME>), with the suite's defaults; None: the
# server's own default. bench/README.md gives the values issue 21's comparison used.
TUNABLE_SETTINGS = {
    "shared_buffers": "256MB",
    "work_mem": "16MB",
    "random_page_cost": None,
    "effective_cache_size": None,
    "jit": None,
    "max_wal_size": None,
}
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def tuning_settings(environ: Mapping[str, str] | None = None) -> list[str]:
    """`-c name=value` for each tunable setting: HARNESS_SHARED_BUFFERS=1GB, HARNESS_WORK_MEM=16MB,
    HARNESS_RANDOM_PAGE_COST=1.1, HARNESS_EFFECTIVE_CACHE_SIZE=4GB, HARNESS_JIT=off, HARNESS_MAX_WAL_SIZE=4GB."""
    environ = os.environ if environ is None else environ
    args = []
    for name, default in TUNABLE_SETTINGS.items():
        value = environ.get(f"HARNESS_{name.upper()}", "").strip() or default
        if value is None:
            continue
        if not _SETTING_VALUE.match(value):
            sys.exit(f"HARNESS_{name.upper()}={value!r} is not a PostgreSQL setting value (e.g. 1GB, 1.1, off).")
        args += ["-c", f"{name}={value}"]
    return args


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[dict[str, str]]:
    bindir = postgres_bindir()
    runas = _as_postgres_user()
    data, sockets = workdir / "pgdata", workdir / "pgsock"
    data.mkdir()
    sockets.mkdir()
    if runas:
        shutil.chown(workdir, "postgres")
        for path in (data, sockets):
            shutil.chown(path, "postgres")
    subprocess.run(
        [
            *runas,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    log = open(workdir / "postgres.log", "w")  # noqa: SIM115 - open for the server's whole life
    server = subprocess.Popen(
        [
            *runas,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(sockets),
            "-c",
            "listen_addresses=127.0.0.1",
            *durability_settings(),
            "-c",
            "max_connections=300",
            *tuning_settings(),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, "PostgreSQL", server)
        psql = [
            str(bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
        ]
        for _ in range(50):
            if subprocess.run([*psql, "-c", "SELECT 1"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run([*psql, "-d", "template1"], input=TEMPLATE_SQL, text=True, check=True)
        subprocess.run([*psql, "-d", "postgres"], input=BOOTSTRAP_SQL, text=True, check=True)
        yield {
            "DATABASE_URL": f"postgres://{OWNER}:{PASSWORD}@127.0.0.1:{port}/tessera",
            "TEST_APP_DATABASE_USER": APP,
            "TEST_APP_DATABASE_PASSWORD": PASSWORD,
            "DATABASE_SUPERUSER_URL": f"postgres://postgres@127.0.0.1:{port}/tessera",
            "PLATFORM_DATABASE_URL": f"postgres://{PLATFORM}:{PASSWORD}@127.0.0.1:{port}/tessera",
            "DATABASE_APP_ROLE": APP,
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextlib.contextmanager
def redis(workdir: Path) -> Iterator[dict[str, str]]:
    binary = shutil.which("redis-server") or sys.exit("redis-server not found (Debian: apt-get install redis-server).")
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--databases",
            "64",
        ],
        stdout=open(workdir / "redis.log", "w"),  # noqa: SIM115 - open for the server's whole life
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, "Redis", server)
        yield {"REDIS_URL": f"redis://127.0.0.1:{port}"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="tessera-services-"))
    try:
        with postgres(workdir) as pg_env, redis(workdir) as redis_env:
            yield {**pg_env, **redis_env}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    # `kill <pid>` stops the services as Ctrl-C does: without this, SIGTERM ended the harness before its
    # clean-up and left PostgreSQL and Redis running with their folders in /tmp.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with services() as service_env:
        env = {**os.environ, **service_env}
        if argv[:1] == ["--shell"]:
            # Manual work (bench/README.md) gets the cache in Redis too: the settings' default is a database
            # cache table that a freshly migrated database does not have (`relation "tessera_cache" does not
            # exist`). The suite sets its own per worker (tests/testenv.py).
            redis_url = service_env["REDIS_URL"]
            service_env = {
                **service_env,
                "CACHE_URL": f"{redis_url.replace('redis://', 'rediscache://')}/12",
                "CELERY_BROKER_URL": f"{redis_url}/11",
            }
            for key, value in service_env.items():
                print(f"export {key}={value}")
            print("# services are up; Ctrl-C stops them", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
            return 0
        if not argv:
            sys.exit("usage: python -m tests.harness COMMAND [ARGS...] | --shell")
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
