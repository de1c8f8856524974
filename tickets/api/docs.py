"""The OpenAPI schema (/api/schema/) and its docs page (/api/docs/): Swagger UI vendored under
static/vendor/swagger-ui, its start-up script served as a file (no inline script, no CDN)."""

from __future__ import annotations

from django.templatetags.static import static
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tsk_<prefix>_<secret>",
            "description": "An API key from Settings → API keys (also accepted as “Authorization: Token tsk_…”).",
        }


class SchemaView(SpectacularJSONAPIView):
    min_role = None  # public: it describes the API, it holds no tenant's data


class DocsView(SpectacularSwaggerSplitView):
    min_role = None
    url_name = "api:schema"
    template_name = "api/docs.html"
    title = "Tessera API"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"vendor/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static("img/favicon.svg")
