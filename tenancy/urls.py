"""Tenancy's settings pages, mounted under /desk/settings/ in the desk namespace (config/urls.py)."""

from django.urls import path

from tenancy import settings_views

settings_patterns = [
    path("", settings_views.settings_index, name="settings"),
    path("setup/", settings_views.setup_checklist, name="setup"),
    path("branding/", settings_views.branding, name="branding"),
    path("members/", settings_views.members, name="members"),
    path("audit/", settings_views.config_audit, name="config_audit"),
]
