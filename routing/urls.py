"""Routing's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

from django.urls import path

from routing.assignment import views as assignment_views
from routing.availability import views as availability_views
from routing.views import rules, ticket, tools

desk_patterns: list = [
    path("tickets/<int:number>/routing/", ticket.ticket_panel, name="routing_ticket_panel"),
    path("tickets/<int:number>/assignment/", assignment_views.assignment_reasons, name="routing_assignment_reasons"),
]

settings_patterns: list = [
    path("routing/", rules.rule_list, name="routing_rules"),
    path("routing/rules/<int:rule_id>/", rules.rule_edit, name="routing_rule"),
    path("routing/rules/<int:rule_id>/move/<str:direction>/", rules.rule_move, name="routing_rule_move"),
    path("routing/rules/<int:rule_id>/toggle/", rules.rule_toggle, name="routing_rule_toggle"),
    path("routing/rules/<int:rule_id>/delete/", rules.rule_delete, name="routing_rule_delete"),
    path("routing/publish/", rules.publish, name="routing_publish"),
    path("routing/test/", tools.test_rules, name="routing_test"),
    path("routing/simulate/", tools.simulate_rules, name="routing_simulate"),
    path("routing/rerun/", tools.rerun, name="routing_rerun"),
    path("routing/availability/", availability_views.availability_settings, name="routing_availability"),
]
