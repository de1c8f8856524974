"""Reporting's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

from django.urls import path

from reporting import views

desk_patterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]

settings_patterns: list = []
