"""URLs of a tenant host (<slug>.<BASE_DOMAIN> or a custom domain)."""

from django.urls import include, path

from config.urls_accounts import account_patterns
from kb import views as kb_views
from reporting import views as reporting_views
from tenancy import views as tenancy_views
from tickets import views as ticket_views

desk_patterns = (
    [
        path("", ticket_views.desk_home, name="home"),
        path("dashboard/", reporting_views.dashboard, name="dashboard"),
        path("kb/", kb_views.kb_home, name="kb"),
        path("settings/", tenancy_views.tenant_settings, name="settings"),
    ],
    "desk",
)

portal_patterns = ([path("", ticket_views.portal_home, name="home")], "portal")

urlpatterns = [
    path("", include(portal_patterns)),
    path("desk/", include(desk_patterns)),
    path("accounts/", include(account_patterns)),
    path("start/", tenancy_views.start, name="start"),
    path("brand/logo", tenancy_views.tenant_logo, name="tenant_logo"),
    path("healthz", tenancy_views.healthz, name="healthz"),
]
