"""Logging filters that keep the log about what went wrong (settings.LOGGING uses them).

- `RefusalsWithoutTraceback`: Django logs every 403 and 404 with the exception that produced it, so each refusal
  printed a traceback. A refusal is an answer, not a fault: the one line (status and path) stays, the traceback goes.
- `QuietPolls`: the ticket page asks for presence every 5 seconds (and posts it while typing) and the desk for
  unread notifications every 30, for as long as a page is open; their successes were about half of the development
  server's log and say nothing. Their failures are still logged.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve

REFUSALS = (PermissionDenied, Http404)


class RefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], REFUSALS):
            record.exc_info = None
            record.exc_text = None
        return True


class QuietPolls(logging.Filter):
    def __init__(self, url_names: list[str] | tuple[str, ...] = (), urlconf: str = "config.urls"):
        super().__init__()
        self.url_names, self.urlconf = frozenset(url_names), urlconf

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", 500)
        if status >= 400 or not record.args:
            return True
        return not self._is_poll(str(record.args[0]))

    def _is_poll(self, request_line: str) -> bool:
        """`request_line` is what the development server logs: "GET /desk/tickets/12/presence/?since=3 HTTP/1.1"."""
        parts = request_line.split(" ")
        if len(parts) < 2:
            return False
        try:
            return resolve(parts[1].split("?", 1)[0], urlconf=self.urlconf).url_name in self.url_names
        except Resolver404:
            return False
