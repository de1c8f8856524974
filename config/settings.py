"""Tessera settings: one module, driven by environment variables (see .env.example).

Defaults are the safe production ones; the demo (Makefile) and the test harness set what they need.
Production refuses to start without SECRET_KEY and DATABASE_URL.
"""

from datetime import timedelta
from pathlib import Path

import environ
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
    "tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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
            "builtins": ["tenancy.templatetags.icons"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------------------
# The application connects as a role that is neither superuser, table owner nor BYPASSRLS; migrations run
# with MIGRATION_DATABASE_URL (the owner role) when it is set. unscoped() switches to DATABASE_BYPASS_ROLE.
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
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web process and worker share one file: WAL lets readers run beside a writer, and
    # IMMEDIATE transactions with a busy timeout queue writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASE_BYPASS_ROLE = env.str("DATABASE_BYPASS_ROLE", default="tessera_bypass")
# Roles that get table privileges after every migrate (the application role and the bypass role).
DATABASE_GRANT_ROLES = env.list("DATABASE_GRANT_ROLES", default=["tessera_app", "tessera_bypass"])
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

# Login throttling (django-axes): five failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field; axes would default to USERNAME_FIELD ("email")
AXES_USERNAME_CALLABLE = "tenancy.auth.throttle_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- Security ---------------------------------------------------------------------------------------------------
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
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
# Read from the cache (Redis in production), written through to the database: no session query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from hx-headers, never from the cookie.
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

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
}
# Work recorded in the outbox that is still undone after this long is sent again.
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=120)

# --- Webhooks ---------------------------------------------------------------------------------------------------
# Outbound webhooks go to HTTPS URLs on public addresses only (no SSRF into the internal network). The demo and
# the tests, whose receivers listen on this machine, turn these on; DEBUG turns both on too.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=DEBUG)

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
        "PriorityEnum": "tickets.models.core.Priority",
    },
    # Vendored under static/vendor/swagger-ui (tickets.api.docs serves it); never a CDN.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "validatorUrl": None},
}

# --- Logging ----------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# --- Demo -------------------------------------------------------------------------------------------------------
# The platform landing lists every tenant (the demo shows both); off in production.
PLATFORM_LIST_TENANTS = env.bool("PLATFORM_LIST_TENANTS", default=False)
