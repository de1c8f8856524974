"""Settings: the JSON API (Django REST framework, drf-spectacular)."""

from config.settings_parts.environment import env

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
