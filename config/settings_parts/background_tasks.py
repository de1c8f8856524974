"""Settings: Celery (broker, worker, beat schedule) and the outbox and change feed's housekeeping."""

from pathlib import Path

from config.settings_parts.environment import BASE_DIR, env

# Production: Redis. The demo uses kombu's file-system transport so no broker has to be installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://localhost:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's file-system transport with atomic writes: its own can hand the worker a half-written message file.
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    _queue_dir = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(BASE_DIR / "var" / "broker")))
    # The broker is a folder: it must exist before anything is sent (seeding sends before the worker starts).
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # Fanout exchanges (the worker's control commands) live here, not in a "control" folder in the cwd.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "beat"))
CELERY_BEAT_SCHEDULE = {
    "redeliver-pending-tasks": {"task": "tenancy.redeliver_pending_tasks", "schedule": 60.0},
    "heartbeat": {"task": "tenancy.heartbeat", "schedule": 30.0},
    "poll-imap-mailboxes": {"task": "tickets.poll_imap_mailboxes", "schedule": 60.0},
    "resend-stalled-webhooks": {"task": "tickets.resend_stalled_webhooks", "schedule": 300.0},
    "sweep-change-feed": {"task": "tickets.sweep_feed", "schedule": 30.0},
    "maintain-search-pairs": {"task": "tickets.maintain_search_pairs", "schedule": 600.0},
    "prune-outbox": {"task": "tenancy.prune_outbox", "schedule": 3600.0},
    "prune-change-feed": {"task": "tickets.prune_feed", "schedule": 3600.0},
    "finalise-kb-deflections": {"task": "kb.finalise_deflections", "schedule": 900.0},
    # Hourly: mail the weekly report summary to subscribers once their week (in the tenant's zone) has ended.
    "schedule-weekly-report-summaries": {"task": "reporting.schedule_weekly_summaries", "schedule": 3600.0},
    "sla-sweep": {"task": "sla.sweep", "schedule": 60.0},
    "routing-mark-idle-away": {"task": "routing.mark_idle_away", "schedule": 60.0},
    "routing-return-offline-work": {"task": "routing.return_offline_work", "schedule": 300.0},
    "sla-auto-resolve-close": {"task": "sla.run_automations", "schedule": 120.0},
}
# Work recorded in the outbox that is still undone after this long is sent again.
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=120)
# Housekeeping: done outbox rows and done change-feed entries (with their receipts) are deleted after this many days.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)
FEED_RETENTION_DAYS = env.int("FEED_RETENTION_DAYS", default=14)
# /healthz/scheduler answers 503 when a change-feed subscriber's oldest unconsumed entry is older than this.
FEED_LAG_ALERT_SECONDS = env.int("FEED_LAG_ALERT_SECONDS", default=600)
