"""URLs of a tenant host (<slug>.<BASE_DOMAIN> or a custom domain)."""

from django.urls import include, path

from config.urls_accounts import account_patterns
from kb import views as kb_views
from reporting import urls as reporting_urls
from routing import urls as routing_urls
from sla import urls as sla_urls
from tenancy import urls as tenancy_urls
from tenancy import views as tenancy_views
from tickets import urls as tickets_settings_urls
from tickets.custom_fields import urls as custom_field_urls
from tickets.views import accounts as account_views
from tickets.views import (
    api_keys,
    attachment_settings,
    attachments,
    bulk,
    composer,
    imap_settings,
    mail_authentication,
    mail_settings,
    portal,
    portal_access,
    queues,
    saved_views,
    search,
    ticket,
)
from tickets.views import inbound as inbound_views
from tickets.views import notifications as notification_views
from tickets.views import webhooks as webhook_views

ticket_actions = [
    path("", ticket.ticket_page, name="ticket"),
    path("reply/", ticket.reply, name="ticket_reply"),
    path("claim/", ticket.claim, name="ticket_claim"),
    path("update/", ticket.update, name="ticket_update"),
    path("tags/", ticket.add_tags, name="ticket_tags"),
    path("tags/<int:tag_id>/remove/", ticket.remove_tag, name="ticket_untag"),
    path("merge/", ticket.merge, name="ticket_merge"),
    path("link/", ticket.link, name="ticket_link"),
    path("participants/", ticket.add_participant, name="ticket_participant"),
    path("requester/manager/", ticket.set_organisation_manager, name="ticket_org_manager"),
    path("canned/", composer.canned_search, name="ticket_canned"),
    path("draft/", composer.draft, name="ticket_draft"),
    path("presence/", composer.ticket_presence, name="ticket_presence"),
]

desk_patterns = (
    [
        path("", queues.ticket_view, name="home"),
        path("views/<slug:view>/", queues.ticket_view, name="view"),
        path("queues/<int:queue_id>/", queues.queue_view, name="queue"),
        path("bulk/", bulk.bulk_action, name="bulk"),
        path("search/", search.desk_search, name="search"),
        path("saved/", saved_views.saved_view_list, name="saved_views"),
        path("saved/<int:pk>/", saved_views.open_saved_view, name="saved_view"),
        path("saved/<int:pk>/edit/", saved_views.update_saved_view, name="saved_view_edit"),
        path("saved/<int:pk>/delete/", saved_views.delete_saved_view, name="saved_view_delete"),
        path("tickets/new/", ticket.new_ticket, name="new_ticket"),
        path("tickets/<int:number>/", include(ticket_actions)),
        path("", include(reporting_urls.desk_patterns)),
        path("settings/", include(reporting_urls.settings_patterns)),
        path("", include(routing_urls.desk_patterns)),
        path("settings/", include(routing_urls.settings_patterns)),
        path("kb/", kb_views.kb_home, name="kb"),
        path("settings/", include(tenancy_urls.settings_patterns)),
        path("settings/", include(tickets_settings_urls.settings_patterns)),
        path("settings/", include(sla_urls.settings_patterns)),
        path("", include(sla_urls.desk_patterns)),
        path("settings/fields/", include(custom_field_urls.settings_patterns)),
        path("settings/email/", mail_settings.email_settings, name="email_settings"),
        path("settings/email/addresses/", mail_settings.support_address_add, name="support_address_add"),
        path("settings/email/addresses/<int:pk>/", mail_settings.support_address_update, name="support_address_update"),
        path(
            "settings/email/addresses/<int:pk>/remove/",
            mail_settings.support_address_remove,
            name="support_address_remove",
        ),
        path(
            "settings/email/addresses/<int:pk>/verification/",
            mail_settings.support_address_resend,
            name="support_address_resend",
        ),
        path(
            "settings/email/addresses/verify/<str:token>/",
            mail_settings.support_address_verify,
            name="support_address_verify",
        ),
        path("settings/email/templates/<slug:kind>/", mail_settings.email_template, name="email_template"),
        path("settings/email/inbound-secret/", mail_settings.inbound_secret_rotate, name="inbound_secret"),
        path("settings/email/log/<int:pk>/retry/", mail_settings.outbound_retry, name="outbound_retry"),
        path("settings/email/inbound/", inbound_views.inbound_log, name="inbound_log"),
        path("settings/email/authentication/", mail_authentication.endpoint_trust, name="endpoint_trust"),
        path(
            "settings/email/authentication/addresses/<int:pk>/",
            mail_authentication.support_address_trust,
            name="support_address_trust",
        ),
        path(
            "settings/email/inbound/<int:inbound_id>/release/",
            inbound_views.held_email_release,
            name="held_email_release",
        ),
        path("settings/email/inbound/<int:inbound_id>/open/", inbound_views.held_email_open, name="held_email_open"),
        path("settings/email/imap/", imap_settings.imap_mailbox_list, name="imap_mailboxes"),
        path("settings/email/imap/<int:pk>/", imap_settings.imap_mailbox_edit, name="imap_mailbox"),
        path("settings/email/imap/<int:pk>/remove/", imap_settings.imap_mailbox_remove, name="imap_mailbox_remove"),
        path("settings/email/imap/<int:pk>/poll/", imap_settings.imap_mailbox_poll, name="imap_mailbox_poll"),
        path("settings/attachments/", attachment_settings.attachment_settings, name="attachment_settings"),
        path("emails/<int:inbound_id>/original/", inbound_views.original_email, name="inbound_original"),
        path("settings/api-keys/", api_keys.api_key_list, name="api_keys"),
        path("settings/api-keys/<int:pk>/revoke/", api_keys.api_key_revoke, name="api_key_revoke"),
        path("settings/webhooks/", webhook_views.webhook_list, name="webhooks"),
        path("settings/webhooks/new/", webhook_views.webhook_new, name="webhook_new"),
        path("settings/webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook"),
        path("settings/webhooks/<int:pk>/edit/", webhook_views.webhook_edit, name="webhook_edit"),
        path("settings/webhooks/<int:pk>/test/", webhook_views.webhook_test, name="webhook_test"),
        path("settings/webhooks/<int:pk>/rotate/", webhook_views.webhook_rotate, name="webhook_rotate"),
        path("settings/webhooks/<int:pk>/active/", webhook_views.webhook_active, name="webhook_active"),
        path("settings/webhooks/<int:pk>/delete/", webhook_views.webhook_delete, name="webhook_delete"),
        path(
            "settings/webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
            webhook_views.delivery_redeliver,
            name="webhook_redeliver",
        ),
        path("canned/", composer.canned_list, name="canned"),
        path("canned/new/", composer.canned_new, name="canned_new"),
        path("canned/<int:pk>/", composer.canned_edit, name="canned_edit"),
        path("canned/<int:pk>/delete/", composer.canned_delete, name="canned_delete"),
        path("availability/", tenancy_views.set_availability, name="availability"),
        path("notifications/", notification_views.notification_list, name="notifications"),
        path("notifications/unread/", notification_views.unread_badge, name="notifications_unread"),
        path("notifications/read/", notification_views.mark_all_read, name="notifications_read"),
        path("notifications/settings/", notification_views.notification_settings, name="notification_settings"),
        path("notifications/<int:notification_id>/", notification_views.open_notification, name="notification_open"),
    ],
    "desk",
)

portal_patterns = (
    [
        path("", portal.portal_home, name="home"),
        path("new/", portal.submit_request, name="new"),
        path("new/thanks/", portal.submitted, name="submitted"),
        path("requests/<int:number>/", portal.request_page, name="request"),
        path("requests/<int:number>/reopen/", portal.reopen, name="reopen"),
        path("requests/<int:number>/rate/", portal.rate_request, name="rate_request"),
        path("sign-in/", portal_access.request_link, name="sign_in"),
        path("sign-in/sent/", portal_access.link_sent, name="sign_in_sent"),
        path("sign-in/<str:token>/", portal_access.open_link, name="sign_in_link"),
        path("rate/<str:token>/", portal_access.rate_by_link, name="rate"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("desk/", include(desk_patterns)),
    path("", include("kb.urls")),
    path("attachments/<int:attachment_id>/", attachments.download, name="attachment"),
    path("inbound/email/", inbound_views.inbound_email, name="inbound_email"),
    # On a tenant host the reset mail goes through the outbox (before the shared account pages, same URL).
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path("accounts/handover/", tenancy_views.accept_handover, name="handover"),
    path("accounts/invitation/", include(tenancy_urls.invitation_patterns)),
    path("accounts/", include(account_patterns)),
    path("api/v1/kb/", include("kb.api.urls")),  # before the ticket API's catch-all
    path("api/", include("tickets.api.urls")),
    path("start/", tenancy_views.start, name="start"),
    path("brand/logo", tenancy_views.tenant_logo, name="tenant_logo"),
    path("healthz", tenancy_views.healthz, name="healthz"),
    path("favicon.ico", tenancy_views.favicon, name="favicon"),
]
