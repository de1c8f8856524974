"""The log says what went wrong: a refusal in one line without a traceback, the desk's polls only when they fail."""

from __future__ import annotations

import contextlib
import io
import logging
import logging.config

import pytest
from django.conf import settings

from config.log_filters import QuietPolls, RefusalsWithoutTraceback
from tests.conftest import host_client


@contextlib.contextmanager
def _console():
    """What the console handler (settings.LOGGING) writes, while the block lasts.

    Another test in the same worker may have reconfigured logging (Celery's worker setup takes over the root
    logger), so the configuration is put back as settings.LOGGING says first."""
    logging.config.dictConfig(settings.LOGGING)
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RefusalsWithoutTraceback) for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


@pytest.mark.django_db
def test_a_refused_page_is_logged_in_one_line_without_traceback(tenant, agent):
    # given an agent, who may not open the admins' settings
    client = host_client(tenant, agent)
    # when they try
    with _console() as console:
        status = client.get("/desk/settings/").status_code
    # then the refusal is one line, with no traceback
    assert status == 403
    logged = console.getvalue()
    assert "Forbidden (Permission denied): /desk/settings/" in logged
    assert "Traceback" not in logged and len(logged.strip().splitlines()) == 1


def test_successful_polls_are_not_logged_but_their_failures_and_pages_are():
    server = logging.getLogger("django.server")
    assert any(isinstance(f, QuietPolls) for f in server.filters)

    def request(line: str, status: int) -> None:
        server.log(logging.INFO if status < 400 else logging.ERROR, '"%s" %s %s', line, str(status), "12",
                   extra={"status_code": status})  # fmt: skip

    with _console() as console:
        request("GET /desk/tickets/12/presence/?since=40 HTTP/1.1", 200)
        request("GET /desk/notifications/unread/ HTTP/1.1", 200)
        request("POST /desk/tickets/12/presence/ HTTP/1.1", 204)
        request("GET /desk/tickets/12/presence/?since=40 HTTP/1.1", 500)
        request("GET /desk/tickets/12/ HTTP/1.1", 200)
    logged = console.getvalue()
    assert "unread" not in logged
    assert logged.count("presence") == 1 and '" 500 ' in logged
    assert "GET /desk/tickets/12/ HTTP/1.1" in logged
