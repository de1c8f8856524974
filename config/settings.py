"""Tessera settings: one module, driven by environment variables (see .env.example).

Defaults are the safe production ones; the demo (Makefile) and the test harness set what they need.
Production refuses to start without SECRET_KEY, DATABASE_URL and FIELD_ENCRYPTION_KEYS.
"""

import base64
import binascii
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY (see .env.example).")

# Tenant hosts are <slug>.<BASE_DOMAIN> or a custom domain; TenantMiddleware answers unknown hosts with a 404,
# so it is the allowed-hosts check and Django's own stays open for custom domains.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost").lower()
PLATFORM_HOSTS = {BASE_DOMAIN, *env.list("PLATFORM_EXTRA_HOSTS", default=[])}
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
PUBLIC_SCHEME = env.str("PUBLIC_SCHEME", default="https")
PUBLIC_PORT = env.str("PUBLIC_PORT", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "django_ratelimit",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "tenancy",
    "tickets",
    "routing",
    "sla",
    "kb",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of ours: every response (the unknown-host 404 and the upload refusal too) carries the policy.
    "csp.middleware.CSPMiddleware",
    "tenancy.middleware.TenantMiddleware",
    # Refuses an oversized body by its Content-Length, before CSRF or a form reads it.
    "tenancy.middleware.RequestSizeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A session is used only on the host (tenant) it was created on: before anything reads the user.
    "tenancy.middleware.SessionBindingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the viewer's zone (theirs, else the tenant's): after the user is known.
    "tenancy.middleware.TimeZoneMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Notes that a staff member used the desk, for routing's idle-to-away rule (after the view, once a minute).
    "routing.availability.middleware.ActivityMiddleware",
]

ROOT_URLCONF = "config.urls"
PLATFORM_URLCONF = "config.urls_platform"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.tenancy",
            ],
            # moments: |when, |due and |exact, the one way a page writes a moment (tenancy.times).
            # urls: Django's {% url %}, with the URLs that take no arguments reversed once per process.
            "builtins": ["tenancy.templatetags.icons", "tenancy.templatetags.moments", "tenancy.templatetags.urls"],
        },
    },
]
# Inputs, textareas and selects written in Python, the same markup as Django's widget templates (a third of
# the ticket page's template time went through them); other widgets still render their templates.
FORM_RENDERER = "tenancy.form_renderer.FastWidgets"

# --- Database ---------------------------------------------------------------------------------------------------
# The application connects as a role that is neither superuser, table owner nor BYPASSRLS, and a member of no
# role that is; migrations run with MIGRATION_DATABASE_URL (the owner role) when it is set. On PostgreSQL,
# unscoped() runs on a second connection, PLATFORM_DATABASE_URL, which logs in as its own BYPASSRLS role
# (tenancy.db.router): raw SQL through the application's connection can never leave the tenant.
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("Set DATABASE_URL, e.g. postgres://tessera_app:...@db/tessera (see .env.example).")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "tenancy.db.postgresql"
    # Safe behind a transaction-mode pooler (PgBouncer), and no DECLARE/FETCH round trips for small lists.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Server-side parameters let psycopg prepare a statement once it has run PREPARE_THRESHOLD times on a
    # connection: PostgreSQL then skips parsing and, once its generic plan is as cheap, planning, which under
    # row-level security was half of a page's database time (docs/benchmarks.md). Set it empty behind a
    # transaction-mode pooler that cannot track prepared statements (PgBouncer before 1.21).
    prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="2")
    if prepare_threshold:
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": int(prepare_threshold)}
    if not env.str("PLATFORM_DATABASE_URL", default=""):
        raise ImproperlyConfigured(
            "Set PLATFORM_DATABASE_URL, e.g. postgres://tessera_platform:...@db/tessera: the BYPASSRLS login role "
            "that platform code (unscoped()) uses; the application role must not be a member of it (.env.example)."
        )
    # Same engine and database name as default, so the test runner treats it as the same database.
    DATABASES["platform"] = {
        **env.db("PLATFORM_DATABASE_URL"),
        "ENGINE": "tenancy.db.postgresql",
        "ATOMIC_REQUESTS": False,  # unscoped() opens its transaction itself
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
    DATABASE_ROUTERS = ["tenancy.db.router.PlatformRouter"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web process and worker share one file: WAL lets readers run beside a writer, and
    # IMMEDIATE transactions with a busy timeout queue writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The role the application connects as: after every migrate it gets its table privileges (tenancy.grants),
# and the platform role (PLATFORM_DATABASE_URL's user) gets its own.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="tessera_app")
# An owner login the worker may use for one kind of DDL only: the custom fields' sort indexes an admin asks for
# (tickets/custom_fields/sort_indexes.py). Empty (the default): `manage.py sync_sort_indexes`, run with the
# migrate job's role, builds them instead.
SORT_INDEX_DATABASE_URL = env.str("SORT_INDEX_DATABASE_URL", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits need atomic increments shared by all processes) -----------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://tessera_cache")}
CACHES["default"]["KEY_FUNCTION"] = "tenancy.cache.tenant_cache_key"
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="tessera")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # The embedded demo's shared cache: its increments are read-then-write, so two racing requests can
    # each count once. Good enough for a demo's rate limits; production uses Redis, which django-ratelimit
    # accepts without this.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Authentication ---------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tenancy.auth.UserBackend",
    # Still names the sessions signed in before UserBackend existed, so they stay signed in.
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# How long a staff invitation's link works (tenancy.services.invitations).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)

# Login throttling (django-axes): five failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field; axes would default to USERNAME_FIELD ("email")
AXES_USERNAME_CALLABLE = "tenancy.auth.throttle_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Count failures per client, not per proxy: behind our proxy the address it appended to X-Forwarded-For (else
# anyone could lock any account for everyone), otherwise the peer (X-Forwarded-For is then the client's word).
AXES_CLIENT_IP_CALLABLE = (
    "tenancy.net.client_ip" if env.bool("BEHIND_PROXY", default=False) else "tenancy.net.remote_addr"
)
# Password spraying (a few guesses at many accounts) stays under the per-account lock: failed sign-ins from one
# client across all accounts are capped too (tenancy.views.login, django-ratelimit).
LOGIN_FAILURES_PER_CLIENT = env.str("LOGIN_FAILURES_PER_CLIENT", default="30/h")

# --- Security ---------------------------------------------------------------------------------------------------
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/scheduler)?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
# Rate limits (django-ratelimit) count per client: behind the proxy, the address it appended to X-Forwarded-For.
RATELIMIT_IP_META_KEY = "tenancy.net.client_ip" if env.bool("BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Read from the cache (Redis in production), written through to the database under a digest of the key (so the
# table holds nothing to replay): no session query per request.
SESSION_ENGINE = "tenancy.sessions"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from hx-headers, never from the cookie.
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): our own files only, no inline script or handler anywhere (templates
# hold none, tests/test_content_security_policy.py keeps it so), and the one inline style (the tenant's accent
# colour in layouts/base.html) carries the per-request nonce. The API docs page widens style and images for
# Swagger UI on that view only (tickets.api.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", CSP_NONCE],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body, in MB, refused by its Content-Length before it is read
# (tenancy.middleware.RequestSizeMiddleware); raised per tenant so one file at its own size limit always fits.
MAX_REQUEST_BODY_MB = env.int("MAX_REQUEST_BODY_MB", default=30)

# --- Internationalisation ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}

# --- Email ------------------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tessera <no-reply@tessera.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The right-hand side of the Message-IDs we generate: the intake recognises (and never re-ingests) our own mail.
EMAIL_ID_DOMAIN = env.str("EMAIL_ID_DOMAIN", default=BASE_DOMAIN)
# The authserv-ids (the receiving host's name in Authentication-Results, e.g. mx.google.com) whose verdict on
# SPF/DKIM/DMARC the intake believes; only the topmost such header counts. Empty: no inbound mail is
# authenticated, so no mail joins an existing conversation unreviewed. Overridable per support address, per IMAP
# mailbox and per tenant for the HTTP endpoint. `check --deploy` requires one (tickets.E001).
MAIL_TRUSTED_AUTHSERV_IDS = [i.strip().lower() for i in env.list("MAIL_TRUSTED_AUTHSERV_IDS", default=[]) if i.strip()]

# --- Celery -----------------------------------------------------------------------------------------------------
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

# --- Webhooks ---------------------------------------------------------------------------------------------------
# Outbound webhooks go to HTTPS URLs on public addresses only (no SSRF into the internal network). The demo and
# the tests, whose receivers listen on this machine, turn these on; DEBUG turns both on too.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
# Every connection to an address a tenant typed (webhooks, IMAP) goes through tenancy.outbound, which refuses
# private, loopback, link-local and other non-public addresses unless this is on. WEBHOOKS_ALLOW_PRIVATE_NETWORKS
# is its former name, still read.
OUTBOUND_ALLOW_PRIVATE_NETWORKS = env.bool(
    "OUTBOUND_ALLOW_PRIVATE_NETWORKS", default=env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=DEBUG)
)

# --- Secrets at rest --------------------------------------------------------------------------------------------
# IMAP passwords and webhook signing secrets are stored encrypted (Fernet) with these keys, comma-separated: the
# first encrypts, all decrypt. Rotation: put a new key first, run `manage.py reencrypt_secrets`, then drop the old
# one (README, "Secrets at rest"). Production refuses to start without them; with DEBUG and none set, a key is
# derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEYS (see .env.example): generate one with "
        '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
    )
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except (ValueError, binascii.Error):
        _valid = False
    if not _valid:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 bytes, base64).")

# --- JSON API (Django REST framework, drf-spectacular) -----------------------------------------------------------
# Only API keys authenticate (tickets.api.authentication); sessions never do, so no CSRF applies to the API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tickets.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tickets.api.permissions.IsApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["tickets.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "tickets.api.pagination.CreatedCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
}
# Requests per API key, e.g. "600/min" (DRF rate syntax: <n>/<sec|min|hour|day>).
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": (
        "The help desk's JSON API. Authenticate with an API key from Settings → API keys: "
        '`Authorization: Bearer tsk_…`. Errors are JSON: `{"message": "…", "errors": {…}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.lifecycle.Status",
        "PriorityEnum": "tickets.models.desk.Priority",
        "ArticleStatusEnum": "kb.models.ArticleStatus",
    },
    # Vendored under static/vendor/swagger-ui (tickets.api.docs serves it); never a CDN.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "validatorUrl": None},
}

# --- Logging ----------------------------------------------------------------------------------------------------
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

# --- Demo -------------------------------------------------------------------------------------------------------
# The platform landing lists every tenant (the demo shows both); off in production.
PLATFORM_LIST_TENANTS = env.bool("PLATFORM_LIST_TENANTS", default=False)
