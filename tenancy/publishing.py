"""Handing a recorded task to a Redis broker in one LPUSH of a message built here.

Celery's apply_async cost a request about two thousand Python calls (a fifth of the portal POST's): routing,
the message's headers with a safe repr of its arguments, a producer taken from the pool and bound, the queue's
declaration checked, and a new Redis client made by kombu's transport for every publish. The outbox's tasks
need none of it: they go to the default queue, without priority, ETA, expiry, chain or result. So this module
writes the same message (Celery's protocol 2 as kombu's Redis transport stores it: tests/tenancy/test_publishing
compares the two) and pushes it with a client kept for the process. Anything else (another transport, eager
tasks, transport options, routes, a default priority) goes through Celery as before. A failure raises as
apply_async does; the outbox takes the attempt back and its redelivery job sends the task later.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid

from celery import current_app
from celery.utils.nodenames import anon_nodename

# What kombu's Redis transport stores besides the message's own values (virtual.Channel.prepare_message and
# basic_publish with Celery's defaults: persistent delivery, priority 0, base64 body).
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}

SECONDS = 2
_lock = threading.Lock()
_clients: dict[str, object] = {}


def send(task_name: str, kwargs: dict) -> None:
    """Send `task_name(**kwargs)` now, as current_app.signature(task_name, kwargs=kwargs).apply_async(retry=False)."""
    app = current_app
    client = _client(app)
    if client is None:
        app.signature(task_name, kwargs=kwargs).apply_async(retry=False)
        return
    queue = app.conf.task_default_queue
    client.lpush(queue, json.dumps(message(app, task_name, kwargs, queue=queue)))


def message(app, task_name: str, kwargs: dict, *, queue: str) -> dict:
    """The message Celery and kombu would store for the task, as a dict."""
    task_id = str(uuid.uuid4())
    body = json.dumps([[], kwargs, _EMBED]).encode()
    return {
        "body": base64.b64encode(body).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py",
            "task": task_name,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": "()",
            "kwargsrepr": repr(kwargs),
            "origin": anon_nodename(),
            "ignore_result": app.conf.task_ignore_result,
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        },
        "properties": {
            "correlation_id": task_id,
            "reply_to": app.thread_oid,
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }


def _client(app):
    """The process's Redis client of the broker, or None when the message must go through Celery."""
    conf = app.conf
    url = conf.broker_url or ""
    if (
        not url.startswith(("redis://", "rediss://"))
        or conf.task_always_eager
        or conf.broker_transport_options
        or conf.task_routes
        or conf.task_default_priority is not None
        or conf.task_queues
        or conf.task_serializer != "json"
        or conf.task_protocol != 2
        or conf.task_default_exchange not in (None, conf.task_default_queue)
    ):
        return None
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.setdefault(url, _connect(url))
    return client


def _connect(url: str):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries and short timeouts: this runs in a request's commit hook, which must not stall; the outbox's
    # redelivery job sends what failed here.
    return redis.Redis.from_url(
        url, socket_connect_timeout=SECONDS, socket_timeout=SECONDS, retry=Retry(NoBackoff(), 0)
    )
