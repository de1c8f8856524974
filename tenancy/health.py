"""Is the scheduler alive and is the change feed consumed? For /healthz (reported) and /healthz/scheduler (judged).

The heartbeat (tenancy.heartbeat, a beat job run by a worker) stores its time in the cache; three missed beats
mean that beat or every worker has stopped. Each feed subscriber's oldest unconsumed entry says whether the
worker keeps up. None of this decides /healthz's status, which is about the web process (database and broker):
a stopped scheduler must not get the web container restarted.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from tenancy.tasks import HEARTBEAT_KEY

MISSED_BEATS = 3
DEFAULT_BEAT_SECONDS = 30.0


def beat_interval_seconds() -> float:
    """The heartbeat's period, as the beat schedule declares it."""
    schedule = settings.CELERY_BEAT_SCHEDULE.get("heartbeat", {}).get("schedule", DEFAULT_BEAT_SECONDS)
    return schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)


def last_beat() -> float | None:
    """The heartbeat's last time (epoch seconds), or None when none was recorded or the cache is unreachable."""
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:
        return None
    return float(beat) if isinstance(beat, int | float) else None


def feed_report() -> dict[str, dict]:
    """Per feed subscriber: its oldest unconsumed entry and that entry's age in seconds (None when caught up)."""
    # The feed belongs to tickets, which builds on tenancy; it is imported here, when asked, not at start-up.
    from tickets.feed.housekeeping import list_subscriber_lags

    now = datetime.now(tz=UTC)
    return {
        lag.subscriber: {"oldest_unconsumed_entry": lag.entry_id, "oldest_unconsumed_seconds": lag.age_seconds(now)}
        for lag in list_subscriber_lags()
    }


def scheduler_report() -> dict:
    """The heartbeat and the subscribers' lag, with `problems` listing why it is unhealthy (empty: healthy)."""
    interval = beat_interval_seconds()
    beat = last_beat()
    problems: list[str] = []
    body: dict = {
        "last_beat_at": datetime.fromtimestamp(beat, tz=UTC).isoformat() if beat else None,
        "last_beat_seconds_ago": round(time.time() - beat, 1) if beat else None,
        "beat_interval_seconds": interval,
    }
    if beat is None:
        problems.append("no heartbeat recorded: the scheduler (celery beat) or every worker is down")
    elif time.time() - beat > MISSED_BEATS * interval:
        problems.append(
            f"last heartbeat {body['last_beat_seconds_ago']}s ago, more than {MISSED_BEATS} beats of {interval:g}s: "
            "the scheduler (celery beat) or every worker has stopped"
        )
    limit = settings.FEED_LAG_ALERT_SECONDS
    try:
        body["feed_subscribers"] = feed_report()
    except Exception as error:
        body["feed_subscribers"] = None
        problems.append(f"feed: could not read the subscribers' lag ({type(error).__name__})")
    for name, lag in (body["feed_subscribers"] or {}).items():
        age = lag["oldest_unconsumed_seconds"]
        if age is not None and age > limit:
            problems.append(
                f"feed subscriber {name} lags: entry #{lag['oldest_unconsumed_entry']} unconsumed for {age:g}s "
                f"(limit {limit}s)"
            )
    body["problems"] = problems
    return body
