"""Handing a recorded task to a Redis broker in one LPUSH of a message built here.

Celery's apply_async cost a request about two thousand Python calls (a fifth of the portal POST's): routing,
the message's headers with a safe repr of its arguments, a producer taken from the pool and bound, the queue's
declaration checked, and a new Redis client made by kombu's transport for every publish. The outbox's tasks
need none of it: they go to the default queue, without priority, ETA, expiry, chain or result. So this module
writes the same message (Celery's protocol 2 as kombu's Redis transport stores it: tests/tenancy/test_publishing
compares the two) and pushes it with a client kept for the process. Anything else (another transport, eager
tasks, transport options, routes, a default priority) goes through Celery as before. A failure raises as
apply_async does; the outbox takes the attempt back and its redelivery job sends the task later.

`send_once` is `send` for a task that needs one message waiting at a time (the change feed's drain, which takes
whatever was committed before it starts): a flag key goes up with the message, in one script (one round trip,
atomic), and while it is up nothing more is sent; the task's run takes the flag down (`take_flag`) before it
reads, so what commits after that sends again. Those messages go ahead of the queue's other messages, in the order
sent: with one drain waiting instead of one per commit, a drain at the tail waited behind every notification the
previous drain's routing had queued (a thousand after a burst: 55 s), where one of the many per-commit drains had
always been near the head. Among themselves they stay first come, first served (one tenant's drain never jumps
another's), and at most one per task and tenant waits.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from dataclasses import dataclass

from celery import current_app
from celery.utils.nodenames import anon_nodename
from django.conf import settings as django_settings

# What kombu's Redis transport stores besides the message's own values (virtual.Channel.prepare_message and
# basic_publish with Celery's defaults: persistent delivery, priority 0, base64 body).
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}

SECONDS = 2
_AHEAD = "outbox:ahead"
_lock = threading.Lock()
_clients: dict[str, object] = {}


def send(task_name: str, kwargs: dict) -> None:
    """Send `task_name(**kwargs)` now, as current_app.signature(task_name, kwargs=kwargs).apply_async(retry=False)."""
    app = current_app
    client = _client(app)
    if client is None:
        app.signature(task_name, kwargs=kwargs).apply_async(retry=False)
        return
    queue = _lean_route(app).queue
    client.lpush(queue, json.dumps(message(app, task_name, kwargs, queue=queue)))


# KEYS: the flag, the queue, the key holding the last message sent ahead; ARGV: the flag's seconds, the message.
# The worker pops from the right: the message goes just left of the last one sent ahead while that still waits
# (LINSERT answers -1 once it was taken, 0 when the queue is empty), else at the right end; every other message
# is LPUSHed at the left.
_SEND_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
local last = redis.call('GET', KEYS[3])
if (not last) or redis.call('LINSERT', KEYS[2], 'BEFORE', last, ARGV[2]) <= 0 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[3], ARGV[2], 'EX', 86400)
return 1
"""


def send_many(messages: list[tuple[str, dict, str | None]], *, ttl_seconds: int) -> None:
    """Send several `(task_name, kwargs, flag)` in one round trip, in order: each as `send`, or as `send_once`
    with its flag when it has one. Without the lean path, one by one through Celery; a failure raises, and what
    went before it may have been sent (the outbox's tasks are idempotent)."""
    app = current_app
    client = _client(app)
    if client is None:
        for task_name, kwargs, flag in messages:
            if flag is None:
                send(task_name, kwargs)
            else:
                send_once(task_name, kwargs, flag=flag, ttl_seconds=ttl_seconds)
        return
    queue = _lean_route(app).queue
    pipe = client.pipeline(transaction=False)
    plain = []
    for task_name, kwargs, flag in messages:
        body = json.dumps(message(app, task_name, kwargs, queue=queue))
        if flag is None:
            plain.append(body)
        else:
            pipe.eval(_SEND_ONCE, 3, flag, queue, f"{_AHEAD}:{queue}", ttl_seconds, body)
    if plain:
        pipe.lpush(queue, *plain)  # the worker pops from the right: the first recorded runs first
    pipe.execute()


def send_once(task_name: str, kwargs: dict, *, flag: str, ttl_seconds: int) -> bool:
    """Send as `send`, ahead of the queue's other messages, unless `flag` is up (a message sent earlier has not
    started yet); True when sent. The flag expires after `ttl_seconds`, so a lost message stops holding back new
    ones (the sender's own safety net, such as the feed's sweep, takes what it held back meanwhile). Without the
    lean path: always sent, no flag."""
    app = current_app
    client = _client(app)
    if client is None:
        send(task_name, kwargs)
        return True
    queue = _lean_route(app).queue
    body = json.dumps(message(app, task_name, kwargs, queue=queue))
    return bool(client.eval(_SEND_ONCE, 3, flag, queue, f"{_AHEAD}:{queue}", ttl_seconds, body))


def take_flag(flag: str) -> bool:
    """Take `send_once`'s flag down (a task's run begins): the next send_once sends. False without the lean path,
    where there is no flag (every message was sent)."""
    client = _client(current_app)
    if client is None:
        return False
    client.delete(flag)
    return True


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
            "ignore_result": _lean_route(app).ignore_result,
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
    url = _lean_route(app).url
    if url is None:
        return None
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.setdefault(url, _connect(url))
    return client


@dataclass(frozen=True)
class _Route:
    """Where the lean path sends: the broker URL (None: through Celery), the default queue and the
    ignore_result header."""

    url: str | None
    queue: str
    ignore_result: bool


# The Celery settings the lean path's decision reads. Reading one through the app's configuration view costs
# ~15 µs (it falls through to Django's settings with a prefix), and a publish read fourteen: a third of a
# millisecond on every request that records a task. They are read again only when something they come from
# changed (`_sources`).
_DECIDING = ("broker_url", "broker_host", "task_always_eager", "broker_transport_options", "task_routes",
             "task_default_priority", "task_queues", "task_serializer", "task_protocol", "task_default_exchange",
             "task_default_queue", "task_ignore_result")  # fmt: skip
_UNSET = object()
_routes: dict[int, tuple[tuple, _Route]] = {}


def _sources(app) -> tuple:
    """What the settings above come from that can change in a running process, cheap to read: Celery reads the
    broker URL from the environment first; a value set on the app (tests, a command) lands in `conf.changes`;
    Django's settings, where the rest come from, are replaced as a whole by an override. The settings object is
    held, not its id, so a freed override's address cannot pass for a new one."""
    changes = app.conf.changes
    return (
        os.environ.get("CELERY_BROKER_URL"),
        django_settings._wrapped,
        tuple(changes.get(key, _UNSET) for key in _DECIDING),
    )


def _lean_route(app) -> _Route:
    sources = _sources(app)
    known = _routes.get(id(app))
    if known is not None and known[0] == sources:
        return known[1]
    route = _decide(app.conf)
    _routes[id(app)] = (sources, route)
    return route


def _decide(conf) -> _Route:
    url = conf.broker_url or ""
    lean = not (
        not url.startswith(("redis://", "rediss://"))
        or conf.task_always_eager
        or conf.broker_transport_options
        or conf.task_routes
        or conf.task_default_priority is not None
        or conf.task_queues
        or conf.task_serializer != "json"
        or conf.task_protocol != 2
        or conf.task_default_exchange not in (None, conf.task_default_queue)
    )
    return _Route(url=url if lean else None, queue=conf.task_default_queue, ignore_result=conf.task_ignore_result)


def _connect(url: str):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries and short timeouts: this runs in a request's commit hook, which must not stall; the outbox's
    # redelivery job sends what failed here.
    return redis.Redis.from_url(
        url, socket_connect_timeout=SECONDS, socket_timeout=SECONDS, retry=Retry(NoBackoff(), 0)
    )
