"""Serve the embedded demo: the web server plus one Celery worker with the beat scheduler embedded.

No Redis or PostgreSQL: the demo's settings (see the Makefile) use SQLite and kombu's file-system transport,
so tasks and periodic jobs run for real through a broker that is just a folder. Ctrl-C stops everything.
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
        # `kill` or a closed terminal stops the web server and the worker too, as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
            self.stderr.write("serve_demo runs the embedded setup; use `make prodlike` or compose for Redis.")
        for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
            if isinstance(folder, str):
                os.makedirs(folder, exist_ok=True)
        python = sys.executable
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--pool=threads",
                "--concurrency=2",
                "--loglevel=WARNING",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                "--without-gossip",
                "--without-mingle",
            ],
        )
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [python, "manage.py", "runserver", _address(host, port), "--noreload", "--skip-checks"],
        )
        children = [web, worker]
        try:
            self._wait_until_serving(host, port, children)
            self._print_welcome(port, host)
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Demo stopped.")

    def _wait_until_serving(self, host: str, port: int, children, seconds: float = 60) -> None:
        target = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and all(child.poll() is None for child in children):
            with contextlib.suppress(OSError), socket.create_connection((target, port), timeout=0.5):
                return
            time.sleep(0.2)

    def _print_welcome(self, port: int, host: str) -> None:
        from tenancy.demo import DEMO_PASSWORD, logins

        if not _is_loopback(host):
            self.stderr.write(
                f"Listening on {host}: anyone who can reach this machine can sign in with the demo's published "
                "password. Run it without HOST= to keep it to this machine."
            )

        self.stdout.write(self.style.SUCCESS("\nTessera demo is running (Ctrl-C stops it)\n"))
        self.stdout.write(f"  Acme help desk:    http://acme.localhost:{port}/")
        self.stdout.write(f"  Globex help desk:  http://globex.localhost:{port}/")
        self.stdout.write(f"  Platform landing:  http://localhost:{port}/")
        self.stdout.write(f"\n  Sign in with any of these, password {DEMO_PASSWORD}:")
        for login in logins():
            self.stdout.write(f"    {login}")
        self.stdout.write("")
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


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _interrupt(signum, frame):
    raise KeyboardInterrupt
