"""Reporting's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

from django.urls import path

from reporting import views
from reporting.reports import urls as reports_urls

desk_patterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
desk_patterns += reports_urls.patterns  # /desk/reports/... (reporting/reports)

settings_patterns: list = []
