"""The OpenAPI schema (/api/schema/) and its docs page (/api/docs/): Swagger UI vendored under
static/vendor/swagger-ui, its start-up script served as a file (no inline script, no CDN)."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.db.models import QuerySet
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.drainage import add_trace_message
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import get_view_model
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


class TenantFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter support without the tenant-scoped manager: the schema is also generated
    at start-up (the deploy check) with no tenant in scope, where `Model.objects.none()` raises."""

    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        model = get_view_model(auto_schema.view)
        if not model:
            return []
        filterset_class = self.target.get_filterset_class(auto_schema.view, QuerySet(model).none())
        if not filterset_class:
            return []
        parameters = []
        with add_trace_message(filterset_class):
            for name, filter_field in filterset_class.base_filters.items():
                parameters += self.resolve_filter_field(auto_schema, model, filterset_class, name, filter_field)
        return parameters


class SchemaView(SpectacularJSONAPIView):
    min_role = None  # public: it describes the API, it holds no tenant's data


# Swagger UI sets style attributes and inline <style> as it renders, and its stylesheet draws icons from data:
# URLs; scripts stay our own files (its start-up script is served by the view, no inline script).
SWAGGER_UI_POLICY = {"style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:"]}


@method_decorator(csp_replace(SWAGGER_UI_POLICY), name="dispatch")
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
