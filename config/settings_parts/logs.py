"""Settings: logging (to the console, a refusal in one line, the desk's polls only when they fail)."""

from config.settings_parts.environment import env

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # config/log_filters.py: a 403 or 404 is logged in one line, without its traceback; the desk's polls
    # (presence every 5 s, the notification bell every 30 s) are logged only when they fail.
    "filters": {
        "refusals_without_traceback": {"()": "config.log_filters.RefusalsWithoutTraceback"},
        "quiet_polls": {
            "()": "config.log_filters.QuietPolls",
            "url_names": ["ticket_presence", "notifications_unread"],
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals_without_traceback"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # The development server's request log (the demo's); production logs requests in gunicorn.
        "django.server": {"handlers": ["console"], "filters": ["quiet_polls"], "level": "INFO", "propagate": False},
    },
}
