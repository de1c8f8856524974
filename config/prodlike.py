"""Run Tessera the way production does, on this machine, without Docker.

    python -m config.prodlike            # PostgreSQL + Redis + migrate + gunicorn + Celery worker + beat
    python -m config.prodlike --seed     # ... and the demo tenants (http://acme.localhost:8000)

PostgreSQL and Redis are throw-away servers started from the installed binaries by tests.harness (gone when
this stops). As in docker-compose.yml, migrations run as the owner role and every long-running process
connects as the application role, which is neither superuser, owner nor BYPASSRLS, so row-level security
applies. Ctrl-C (SIGINT) or SIGTERM stops the processes, then the servers.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from tests.harness import services

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler to unwind into the shutdown path."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def app_database_url(owner_url: str, user: str, password: str) -> str:
    """The owner's URL with the application role's credentials."""
    parts = urlsplit(owner_url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def build_environment(service_env: dict[str, str], port: int, workdir: Path) -> tuple[dict, dict]:
    """(environment of the long-running processes, environment of the migrate step)."""
    redis_url = service_env["REDIS_URL"].rstrip("/")
    app_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": app_database_url(
            service_env["DATABASE_URL"],
            service_env["TEST_APP_DATABASE_USER"],
            service_env["TEST_APP_DATABASE_PASSWORD"],
        ),
        "PLATFORM_DATABASE_URL": service_env["PLATFORM_DATABASE_URL"],
        "DATABASE_APP_ROLE": service_env["DATABASE_APP_ROLE"],
        "CELERY_BROKER_URL": f"{redis_url}/0",
        "CACHE_URL": redis_url.replace("redis://", "rediscache://", 1) + "/1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(workdir / "celerybeat-schedule"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_DEBUG": "false",
        "BASE_DOMAIN": "localhost",
        "SECURE_HTTPS": "false",
        "PUBLIC_SCHEME": "http",
        "PUBLIC_PORT": str(port),
        "PLATFORM_LIST_TENANTS": "true",
        "EMAIL_URL": "consolemail://",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "STATICFILES_BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }
    migrate_env = {**app_env, "DATABASE_URL": service_env["DATABASE_URL"]}
    return app_env, migrate_env


def manage(env: dict, *args: str) -> None:
    print(f"prodlike: manage.py {' '.join(args)}", flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own argv


def wait_until_healthy(port: int, processes: dict[str, subprocess.Popen], seconds: float = 60) -> dict | None:
    """Poll /healthz until it answers 200; None if it does not in time or a process died."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes.values()):
            return None
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - a fixed loopback URL
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.5)
    return None


def stop(processes: dict[str, subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM every child (each leads its own process group: its own children get it too), then SIGKILL."""
    for name, process in reversed(processes.items()):
        if process.poll() is None:
            print(f"prodlike: stopping {name}", flush=True)
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    for process in processes.values():  # a grandchild that outlived its parent
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m config.prodlike", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", action="store_true", help="create the demo tenants (manage.py seed_demo)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="default: $PORT or 8000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_stop)
    try:
        with services() as service_env, tempfile.TemporaryDirectory(prefix="tessera-prodlike-") as tmp:
            processes: dict[str, subprocess.Popen] = {}
            try:
                return run(args, service_env, Path(tmp), processes)
            finally:
                # Children first, then (leaving `services()`) PostgreSQL and Redis; a second Ctrl-C must not
                # interrupt that.
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_IGN)
                stop(processes)
    except Stop as received:
        print(f"prodlike: stopped ({received})", flush=True)
        return 0
    except subprocess.CalledProcessError as error:
        print(f"prodlike: {error}", file=sys.stderr, flush=True)
        return error.returncode or 1


def run(args: argparse.Namespace, service_env: dict, workdir: Path, processes: dict) -> int:
    app_env, migrate_env = build_environment(service_env, args.port, workdir)
    manage(migrate_env, "migrate", "--noinput")
    manage(migrate_env, "createcachetable")
    manage(app_env, "collectstatic", "--noinput", "--verbosity", "0")
    if args.seed:
        manage(app_env, "seed_demo")

    commands = {
        "web": [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", str(args.workers),
                "--bind", f"127.0.0.1:{args.port}", "--access-logfile", "-"],
        "worker": [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                   "--concurrency", "2"],
        "beat": [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
    }  # fmt: skip
    for name, command in commands.items():
        # A session of its own: a terminal's Ctrl-C reaches only us, and we stop them in order.
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=app_env, start_new_session=True)  # noqa: S603

    health = wait_until_healthy(args.port, processes)
    if health is None:
        print("prodlike: the web process did not become healthy; stopping", file=sys.stderr, flush=True)
        return 1
    base = f"http://localhost:{args.port}"
    tenant_note = "" if args.seed else "  (exists after --seed)"
    print(
        f"\nprodlike: up, /healthz says {json.dumps(health)}\n"
        f"  platform  {base}/\n"
        f"  tenant    http://acme.localhost:{args.port}/{tenant_note}\n"
        f"  health    {base}/healthz\n"
        f"  database  {app_env['DATABASE_URL']}   (migrations: {migrate_env['DATABASE_URL']})\n"
        f"  redis     {service_env['REDIS_URL']}\n"
        "Ctrl-C stops everything.",
        flush=True,
    )
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"prodlike: {name} exited with code {process.returncode}; stopping", file=sys.stderr)
                return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
