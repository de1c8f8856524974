"""Tickets' settings pages, mounted under /desk/settings/ in the desk namespace (config/urls.py)."""

from django.urls import path

from tickets.views import portal_settings, structure_settings, team_settings

settings_patterns = [
    path("categories/", structure_settings.categories, name="categories"),
    path("categories/<int:pk>/", structure_settings.category, name="category"),
    path("categories/<int:pk>/archive/", structure_settings.category_archive, name="category_archive"),
    path("categories/<int:pk>/delete/", structure_settings.category_delete, name="category_delete"),
    path("categories/<int:pk>/merge/", structure_settings.category_merge, name="category_merge"),
    path("queues/", structure_settings.queues, name="queues"),
    path("queues/<int:pk>/", structure_settings.queue_settings, name="queue_settings"),
    path("queues/<int:pk>/delete/", structure_settings.queue_delete, name="queue_delete"),
    path("queues/<int:pk>/merge/", structure_settings.queue_merge, name="queue_merge"),
    path("teams/", team_settings.teams, name="teams"),
    path("teams/<int:pk>/", team_settings.team, name="team"),
    path("teams/<int:pk>/delete/", team_settings.team_delete, name="team_delete"),
    path("teams/<int:pk>/members/", team_settings.team_member_add, name="team_member_add"),
    path("teams/<int:pk>/members/<int:member_id>/remove/", team_settings.team_member_remove, name="team_member_remove"),
    path("tags/", team_settings.tag_settings, name="tag_settings"),
    path("tags/<int:pk>/", team_settings.tag_setting, name="tag_setting"),
    path("tags/<int:pk>/merge/", team_settings.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/delete/", team_settings.tag_delete, name="tag_delete"),
    path("escalation/", team_settings.escalation_tiers, name="escalation_tiers"),
    path("portal/", portal_settings.portal_settings, name="portal_settings"),
]
