"""Send one signed webhook request: standard library only, short timeouts, no redirects followed.

The connection goes to an address `tenancy.outbound` checked (TLS still verifies the host name), so the check
and the connection see the same address. Never call this inside a database transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass

from tenancy import outbound
from tickets.webhooks.targets import Target

USER_AGENT = "Tessera-Webhooks/1"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
EXCERPT_LENGTH = 500


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def encode_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Tessera-Signature value: "sha256=" + hex HMAC-SHA256(secret, f"{timestamp}.{body}")."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(*, secret: str, event: str, event_id: str, body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tessera-Event": event,
        "X-Tessera-Delivery": event_id,
        "X-Tessera-Timestamp": str(timestamp),
        "X-Tessera-Signature": sign(secret, timestamp, body),
    }


def post(target: Target, *, body: bytes, headers: dict) -> Answer:
    """POST `body` to the target and return the receiver's status and the start of its answer.

    Raises OutboundRefused (a refused address) or OSError (DNS, connection, TLS, timeout, not HTTP).
    """
    connection = _connection(target)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        raw = response.read(EXCERPT_LENGTH * 4)
        return Answer(status=response.status, excerpt=raw.decode("utf-8", "replace")[:EXCERPT_LENGTH])
    except (outbound.OutboundRefused, OSError):  # the guard's answer, or the network's (an SSL error is a
        raise  # ValueError too): passed on as they are, not taken for a broken answer
    except (http.client.HTTPException, ValueError) as broken:
        # Never the peer's bytes (http.client quotes a bad status line): whatever listens there is not ours to show.
        raise OSError(f"The receiver's answer is not HTTP ({broken.__class__.__name__}).") from broken
    finally:
        connection.close()


class _PinnedConnectTimeouts:
    """Connect through tenancy.outbound (checked, pinned address) with the connect timeout; read with the read
    timeout."""

    def _open_socket(self) -> socket.socket:
        return outbound.open_connection(self.host, self.port, connect_timeout=CONNECT_TIMEOUT, timeout=READ_TIMEOUT)


class _PinnedHTTPConnection(_PinnedConnectTimeouts, http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedConnectTimeouts, http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = self._open_socket()
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connection(target: Target) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            target.host, target.port, timeout=READ_TIMEOUT, context=ssl.create_default_context()
        )
    return _PinnedHTTPConnection(target.host, target.port, timeout=READ_TIMEOUT)
