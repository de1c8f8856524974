"""Reporting's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

from django.urls import path

from reporting import views
from reporting.exports import views as export_views
from reporting.reports import urls as reports_urls

desk_patterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/panels/<slug:panel>/", views.dashboard_panel, name="dashboard_panel"),
    path("dashboard/tickets/<int:number>/assign/", views.dashboard_assign, name="dashboard_assign"),
    path("exports/tickets/", export_views.export_tickets, name="export_tickets"),
    path("exports/<int:job_id>/", export_views.export_job, name="export_job"),
    path("exports/<int:job_id>/download/", export_views.export_download, name="export_download"),
]
desk_patterns += reports_urls.patterns  # /desk/reports/... (reporting/reports)

settings_patterns: list = []
