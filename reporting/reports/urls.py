"""/desk/reports/... (desk namespace), included from reporting/urls.py."""

from django.urls import path

from reporting.reports import views

patterns = [
    path("reports/", views.index, name="reports"),
    path("reports/tickets/", views.report_tickets, name="report_tickets"),
    path("reports/subscription/", views.subscription, name="report_subscription"),
    path("reports/<slug:report>/", views.report, name="report"),
]
