"""Routing's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

from django.urls import path

from routing.assignment import views as assignment_views
from routing.availability import views as availability_views

desk_patterns: list = [
    path(
        "tickets/<int:number>/assignment/",
        assignment_views.assignment_reasons,
        name="routing_assignment_reasons",
    ),
]

settings_patterns: list = [
    path(
        "routing/availability/",
        availability_views.availability_settings,
        name="routing_availability",
    ),
]
