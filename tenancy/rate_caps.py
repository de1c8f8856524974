"""Counting one request against several caps (e.g. per network, then per address) in one cache round trip.

django-ratelimit counts one cap per call (an ADD, then an INCR once the counter exists): the portal's form paid two
to four round trips a submission for its two caps. On Redis one script counts them in order, creating each counter
with its expiry, and stops at the first cap the request goes over, as the calls one after another did (a request
refused for its network is not counted against its address). Elsewhere (the demo's database cache) each cap is
counted by django-ratelimit, as before. Counters are cache keys, so they carry the tenant (tenancy.cache).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import _get_ip, _split_rate, is_ratelimited

logger = logging.getLogger(__name__)

# KEYS: the counters; ARGV: each one's limit and seconds, in turn. Returns the 1-based index of the first counter
# over its limit (the ones after it are not counted), or 0.
COUNT_SCRIPT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if count > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""
# A counter outlives its window a little, as django-ratelimit's do (a request at the window's edge still finds it).
EXPIRY_MARGIN = 5

_script = None


@dataclass(frozen=True)
class Cap:
    """At most `rate` ("10/h", django-ratelimit's notation) requests per window for `value` in `group`."""

    group: str
    value: str
    rate: str


def network(request: HttpRequest) -> str:
    """The request's network as django-ratelimit's key="ip" names it (RATELIMIT_IP_META_KEY, the IPv6 mask)."""
    return _get_ip(request)


def first_over(request: HttpRequest, caps: Sequence[Cap]) -> int | None:
    """Count the request against `caps` in order and return the index of the first it goes over (the caps after
    it are not counted), or None. Fails closed as django-ratelimit does (RATELIMIT_FAIL_OPEN to fail open)."""
    if not getattr(settings, "RATELIMIT_ENABLE", True) or not caps:
        return None
    client = _redis(cache)
    if client is None:
        for index, cap in enumerate(caps):
            if is_ratelimited(request, group=cap.group, key=lambda g, r, v=cap.value: v, rate=cap.rate, increment=True):
                return index
        return None
    now = int(time.time())
    keys, args = [], []
    for cap in caps:
        limit, seconds = _split_rate(cap.rate)
        window = now // seconds
        digest = hashlib.sha256(cap.value.encode()).hexdigest()
        keys.append(cache.make_and_validate_key(f"rl:{cap.group}:{seconds}:{window}:{digest}"))
        args += [limit, seconds + EXPIRY_MARGIN]
    try:
        over = _count_script(client)(keys=keys, args=args)
    except Exception:  # the cache is down: what django-ratelimit does when its count fails
        logger.exception("Could not count rate caps %s", [cap.group for cap in caps])
        return None if getattr(settings, "RATELIMIT_FAIL_OPEN", False) else 0
    return int(over) - 1 if over else None


def _redis(backend):
    """The Redis client of django-redis' cache backend, or None for any other backend."""
    client = getattr(backend, "client", None)
    return client.get_client(write=True) if hasattr(client, "get_client") else None


def _count_script(client):
    # redis-py's Script sends EVALSHA, and the script itself once when the server does not know it yet.
    global _script
    if _script is None:
        _script = client.register_script(COUNT_SCRIPT)
    return lambda keys, args: _script(keys=keys, args=args, client=client)
