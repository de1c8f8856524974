"""URLs of the bare base domain: the landing and tenant picker, sign-in, and the platform admin."""

from django.urls import include, path

from config.urls_accounts import account_patterns
from tenancy import views
from tenancy.admin import platform_admin

urlpatterns = [
    path("", views.landing, name="landing"),
    path("start/", views.start, name="start"),
    path("open/<slug:slug>/", views.open_help_desk, name="open_help_desk"),
    path("accounts/", include(account_patterns)),
    path("admin/", platform_admin.urls),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz/scheduler", views.healthz_scheduler, name="healthz_scheduler"),
]
