"""SLA's URLs, in the desk namespace: the ticket's clocks partial and the settings pages (config/urls.py includes
both lists)."""

from django.urls import path

from sla import enforcement_views, views
from sla.automation import views as automation_views

desk_patterns = [
    path("tickets/<int:number>/sla/", views.ticket_clocks, name="sla_ticket_clocks"),
    path("sla/at-risk/", enforcement_views.at_risk_view, name="sla_at_risk"),
]

settings_patterns = [
    path("sla/calendars/", views.calendar_list, name="sla_calendars"),
    path("sla/calendars/<int:calendar_id>/", views.calendar_edit, name="sla_calendar"),
    path("sla/calendars/<int:calendar_id>/holidays/", views.holiday_add, name="sla_holiday_add"),
    path(
        "sla/calendars/<int:calendar_id>/holidays/<int:holiday_id>/remove/",
        views.holiday_remove,
        name="sla_holiday_remove",
    ),
    path("sla/policies/", views.policy_list, name="sla_policies"),
    path("sla/policies/<int:policy_id>/", views.policy_edit, name="sla_policy"),
    path("sla/policies/<int:policy_id>/reapply/", views.policy_reapply, name="sla_policy_reapply"),
    path("sla/policies/<int:policy_id>/ladder/", enforcement_views.ladder, name="sla_ladder"),
    path(
        "sla/policies/<int:policy_id>/ladder/<int:step_id>/remove/",
        enforcement_views.ladder_step_remove,
        name="sla_ladder_step_remove",
    ),
    path("sla/automation/", automation_views.automation_settings, name="sla_automation"),
]
