"""Serve the embedded demo: the web server plus one Celery worker with the beat scheduler embedded.

No Redis or PostgreSQL: the demo's settings (see the Makefile) use SQLite and kombu's file-system transport with
atomic writes (config/broker.py), so tasks and periodic jobs run for real through a broker that is just a folder.
The newcomer's block (addresses, logins, where mail goes, how to stop) is printed once the web server answers and
the worker has run a task, so it comes last. A worker that stops is started again; Ctrl-C stops everything.
"""

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# A worker that keeps dying is a real problem, not a hiccup: after this many restarts in RESTART_WINDOW, stop.
MAX_RESTARTS = 5
RESTART_WINDOW = 600.0


class Command(BaseCommand):
    help = "Run the demo web server with a Celery worker and beat (file-system broker, SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        # The demo has a published password, a published secret key and webhooks allowed to private networks:
        # it listens on this machine only unless asked (`make demo HOST=0.0.0.0`).
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")

    def handle(self, *args, port, host, **options):
        if _in_use(host, port):
            raise CommandError(
                f"Port {port} is already in use (an earlier demo still running?). Stop what listens there, or run "
                f"`make demo PORT={port + 1}`."
            )
        # `kill` or a closed terminal stops the web server and the worker too, as Ctrl-C does. SIGINT is set too:
        # started in the background by a shell, a process inherits it ignored and Ctrl-C would not reach Python.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
            self.stderr.write("serve_demo runs the embedded setup; use `make prodlike` or compose for Redis.")
        for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
            if isinstance(folder, str):
                os.makedirs(folder, exist_ok=True)
        started = time.time()
        worker = self._start_worker()
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "manage.py", "runserver", _address(host, port), "--noreload", "--skip-checks"],
        )
        restarts: list[float] = []
        try:
            self._wait_until_serving(host, port, [web, worker])
            worker_ready = self._wait_for_worker(since=started, worker=worker)
            if web.poll() is None:
                self._print_welcome(port, host, worker_ready)
            while web.poll() is None:
                time.sleep(0.5)
                if worker.poll() is not None:
                    restarts = [moment for moment in restarts if moment > time.monotonic() - RESTART_WINDOW]
                    if len(restarts) >= MAX_RESTARTS:
                        self.stderr.write(f"The task worker stopped {MAX_RESTARTS + 1} times in ten minutes; stopping.")
                        break
                    self.stderr.write(f"The task worker stopped (exit code {worker.returncode}); starting it again.")
                    _signal_group(worker, signal.SIGKILL)  # its embedded beat, which outlives a killed worker
                    restarts.append(time.monotonic())
                    worker = self._start_worker()
        except KeyboardInterrupt:
            pass
        finally:
            if web.poll() is None:
                web.send_signal(signal.SIGTERM)
            _signal_group(worker, signal.SIGTERM)
            for child in (web, worker):
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            _signal_group(worker, signal.SIGKILL)
            self.stdout.write("Demo stopped.")

    def _start_worker(self) -> subprocess.Popen:
        # In a process group of its own, with its embedded beat: stopped (or cleaned up) as one.
        return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "config.demo_worker", settings.CELERY_BEAT_SCHEDULE_FILENAME],
            process_group=0,
        )

    def _wait_until_serving(self, host: str, port: int, children, seconds: float = 60) -> None:
        target = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and all(child.poll() is None for child in children):
            with contextlib.suppress(OSError), socket.create_connection((target, port), timeout=0.5):
                return
            time.sleep(0.2)

    def _wait_for_worker(self, *, since: float, worker: subprocess.Popen, seconds: float = 60) -> bool:
        """Send the heartbeat through the broker and wait until the worker has run it (it stores its time)."""
        from config.celery import app
        from tenancy.health import last_beat

        app.send_task("tenancy.heartbeat")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and worker.poll() is None:
            beat = last_beat()
            if beat is not None and beat >= since:
                return True
            time.sleep(0.3)
        return False

    def _print_welcome(self, port: int, host: str, worker_ready: bool) -> None:
        from tenancy.demo import DEMO_PASSWORD, DEMO_TENANTS, PLATFORM_LOGIN, tenant_logins

        if not _is_loopback(host):
            self.stderr.write(
                f"Listening on {host}: anyone who can reach this machine can sign in with the demo's published "
                "password. Run it without HOST= to keep it to this machine."
            )
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.stdout.write("Running as root: fine for a throw-away demo; anywhere else, run Tessera as a user.")
        if not worker_ready:
            self.stderr.write("The task worker has not answered yet: mail and periodic jobs may start late.")
        write = self.stdout.write
        write(self.style.SUCCESS("\nTessera demo is ready.\n"))
        for spec in DEMO_TENANTS:
            url = f"http://{spec['slug']}.localhost:{port}/"
            write(f"  {spec['name']:<20} {url:<34} portal at /, agent desk at /desk/")
        write(f"  {'Platform':<20} {f'http://localhost:{port}/':<34} sign-in and tenant list; /admin/ for staff")
        write(f"\n  Password for every login: {DEMO_PASSWORD}")
        logins = tenant_logins()
        for spec in DEMO_TENANTS:
            # One of each role in full, to copy; the second and third agent and customer by their local part.
            main = [local for local in logins[spec["slug"]] if not local[-1].isdigit()]
            more = [local for local in logins[spec["slug"]] if local[-1].isdigit()]
            addresses = "  ".join(f"{local}@{spec['domain']}" for local in main)
            write(f"    {spec['name']:<18} {addresses}")
            if more:
                write(f"    {'':<18} (also {', '.join(f'{local}@' for local in more)})")
        write(f"    {'Platform staff':<18} {PLATFORM_LOGIN}  (http://localhost:{port}/admin/)")
        write("\n  Mail: nothing leaves this machine; every mail the demo sends is printed in this terminal.")
        write(
            "  Stop: press Ctrl-C (stops the web server and the worker). Data stays in var/demo; `make clean` resets."
        )
        write("")
        self.stdout.flush()  # shown at once even when the output goes to a file or a pipe


def _in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As runserver does: a port left in TIME_WAIT by a demo just stopped is free; one that listens is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))  # where runserver is about to listen
        except OSError:
            return True
    return False


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """Signal the child's process group (the worker and its beat); nothing when it has already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _interrupt(signum, frame):
    raise KeyboardInterrupt
