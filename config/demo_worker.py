"""The embedded demo's Celery worker, with beat: `python -m config.demo_worker` (started by `manage.py serve_demo`).

The same worker as `celery -A config worker --beat`, without the banner. Celery warns with six lines when the
worker runs as root, because a root worker that accepts pickle runs whatever a message says; it refuses to start at
all in that case. This worker accepts JSON only (CELERY_ACCEPT_CONTENT), so the remaining warning says nothing
about this setup; serve_demo tells a root user in one line instead.
"""

from __future__ import annotations

import os
import sys
import warnings


def main(schedule: str) -> None:
    from celery.exceptions import SecurityWarning

    from config.celery import app

    if "pickle" not in app.conf.accept_content:
        warnings.filterwarnings("ignore", category=SecurityWarning)
    app.worker_main(
        [
            "--quiet",  # no banner
            "worker",
            "--beat",
            "--pool=threads",
            "--concurrency=2",
            "--loglevel=WARNING",
            f"--schedule={schedule}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main(sys.argv[1])
