"""Tenancy's settings pages, mounted under /desk/settings/ in the desk namespace (config/urls.py), and the
invitation page an invitee opens (mounted under /accounts/invitation/)."""

from django.urls import path

from tenancy import settings_views, views

settings_patterns = [
    path("", settings_views.settings_index, name="settings"),
    path("setup/", settings_views.setup_checklist, name="setup"),
    path("branding/", settings_views.branding, name="branding"),
    path("time-zone/", settings_views.time_zone, name="tenant_time_zone"),
    path("agent-visibility/", settings_views.visibility, name="tenant_visibility"),
    path("members/", settings_views.members, name="members"),
    path("members/invite/", settings_views.member_invite, name="member_invite"),
    path("members/invitations/<int:pk>/resend/", settings_views.invitation_resend, name="invitation_resend"),
    path("members/invitations/<int:pk>/revoke/", settings_views.invitation_revoke, name="invitation_revoke"),
    path("members/<int:pk>/", settings_views.member, name="member"),
    path("members/<int:pk>/role/", settings_views.member_role, name="member_role"),
    path("members/<int:pk>/capacity/", settings_views.member_capacity, name="member_capacity"),
    path("members/<int:pk>/skills/", settings_views.member_skills, name="member_skills"),
    path("members/<int:pk>/deactivate/", settings_views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", settings_views.member_reactivate, name="member_reactivate"),
    path("audit/", settings_views.config_audit, name="config_audit"),
]

invitation_patterns = [
    path("<str:token>/", views.accept_invitation, name="accept_invitation"),
]
