"""Send one signed webhook request: standard library only, short timeouts, no redirects followed.

The connection goes to an address `targets.resolve_target` checked (TLS still verifies the host name), so the
check and the connection see the same address. Never call this inside a database transaction.
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

from tickets.webhooks.targets import Target, resolve_target

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

    Raises TargetRefused (a refused address) or OSError (DNS, connection, TLS, timeout).
    """
    last_error: OSError | None = None
    for address in resolve_target(target):
        connection = _connection(target, address)
        try:
            connection.request("POST", target.path, body=body, headers={**headers, "Content-Length": str(len(body))})
            response = connection.getresponse()
            raw = response.read(EXCERPT_LENGTH * 4)
            return Answer(status=response.status, excerpt=raw.decode("utf-8", "replace")[:EXCERPT_LENGTH])
        except _ConnectFailed as failed:  # try the host's next address; anything later is the receiver's answer
            last_error = failed
        except (http.client.HTTPException, ValueError) as broken:
            raise OSError(f"Invalid HTTP answer: {broken.__class__.__name__} {broken}".strip()) from broken
        finally:
            connection.close()
    raise last_error or OSError("Could not connect")


class _ConnectFailed(OSError):
    pass


class _PinnedConnectTimeouts:
    """Connect to the checked address with the connect timeout, then read with the read timeout."""

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, timeout=READ_TIMEOUT, **kwargs)
        self._address = address

    def _open_socket(self) -> socket.socket:
        try:
            sock = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT)
        except OSError as failed:
            raise _ConnectFailed(f"Could not connect to {self.host}: {failed}") from failed
        sock.settimeout(READ_TIMEOUT)
        return sock


class _PinnedHTTPConnection(_PinnedConnectTimeouts, http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedConnectTimeouts, http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = self._open_socket()
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connection(target: Target, address: str) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target.host, target.port, address=address, context=ssl.create_default_context())
    return _PinnedHTTPConnection(target.host, target.port, address=address)
