"""One real change per settings service, keyed by the service's dotted name in tenancy.audit's registry.

tests/tenancy/test_config_audit.py runs each and counts the audit rows it writes; a settings service declared
without a sample here fails that test, so every new settings page is proved to be audited."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.urls import resolve

from tenancy import services as tenancy_services
from tenancy.models import AddressClaim, Membership, Tenant
from tenancy.roles import Role
from tests.tenancy.factories import InvitationFactory, MembershipFactory
from tests.tickets.factories import (
    ApiKeyFactory,
    CannedResponseFactory,
    EmailTemplateFactory,
    ImapMailboxFactory,
    SavedViewFactory,
    SupportAddressFactory,
    TeamFactory,
    WebhookFactory,
)
from tickets.models import OutboundEmail
from tickets.services import (
    address_claims,
    api_keys,
    attachments,
    canned,
    categories,
    escalation_tiers,
    imap_mailboxes,
    mail_authentication,
    mail_settings,
    portal_settings,
    queues,
    saved_views,
    tag_settings,
    teams,
    webhooks,
)


def _branding(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
    return "display_name"


def _attachments(tenant: Tenant, admin: Membership) -> str:
    attachments.set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images", "pdf"])
    return "max_attachment_mb"


# --- Email, IMAP, API keys, webhooks, canned responses, shared views (tickets) ------------------------------------


def _add_address(tenant: Tenant, admin: Membership) -> str:
    mail_settings.add_support_address(actor=admin, email="billing@example.com", name="Billing")
    return "email"


def _update_address(tenant: Tenant, admin: Membership) -> str:
    address = SupportAddressFactory(tenant=tenant, name="Support")
    mail_settings.update_support_address(actor=admin, address=address, name="Billing desk", queue=None, is_default=True)
    return "name"


def _remove_address(tenant: Tenant, admin: Membership) -> str:
    mail_settings.remove_support_address(actor=admin, address=SupportAddressFactory(tenant=tenant))
    return "email"


def _verify_address(tenant: Tenant, admin: Membership) -> str:
    address = SupportAddressFactory(tenant=tenant, email="billing@example.com", verified=False)
    claim = AddressClaim.objects.get(email=address.email)
    link = address_claims.new_verification_link(tenant=tenant, claim=claim)
    mail_settings.verify_support_address(actor=admin, token=resolve(urlsplit(link).path).kwargs["token"])
    return "verified"


def _save_template(tenant: Tenant, admin: Membership) -> str:
    mail_settings.save_email_template(
        actor=admin, kind=OutboundEmail.Kind.ACKNOWLEDGEMENT, subject="We have it", body_text="Thanks, we have it."
    )
    return "subject"


def _reset_template(tenant: Tenant, admin: Membership) -> str:
    EmailTemplateFactory(tenant=tenant, kind=OutboundEmail.Kind.REPLY, subject="Our answer")
    mail_settings.reset_email_template(actor=admin, kind=OutboundEmail.Kind.REPLY)
    return "subject"


def _rotate_inbound_secret(tenant: Tenant, admin: Membership) -> str:
    mail_settings.rotate_inbound_secret(actor=admin)
    return "inbound_secret"


def _address_trust(tenant: Tenant, admin: Membership) -> str:
    address = SupportAddressFactory(tenant=tenant)
    mail_authentication.set_trusted_authserv_ids(actor=admin, target=address, value="mx.example.com")
    return "trusted_authserv_ids"


def _endpoint_trust(tenant: Tenant, admin: Membership) -> str:
    mail_authentication.set_endpoint_trusted_authserv_ids(actor=admin, value="mx.example.com")
    return "trusted_authserv_ids"


IMAP = {"host": "imap.example.com", "port": 993, "use_ssl": True, "username": "help@acme.example"}


def _add_imap(tenant: Tenant, admin: Membership) -> str:
    imap_mailboxes.add_imap_mailbox(actor=admin, password="app-password", **IMAP)
    return "host"


def _update_imap(tenant: Tenant, admin: Membership) -> str:
    mailbox = ImapMailboxFactory(tenant=tenant, **IMAP)
    imap_mailboxes.update_imap_mailbox(actor=admin, mailbox=mailbox, folder="Support", is_active=True, **IMAP)
    return "folder"


def _remove_imap(tenant: Tenant, admin: Membership) -> str:
    imap_mailboxes.remove_imap_mailbox(actor=admin, mailbox=ImapMailboxFactory(tenant=tenant))
    return "host"


def _create_api_key(tenant: Tenant, admin: Membership) -> str:
    api_keys.create_api_key(actor=admin, name="CRM sync", role="agent")
    return "name"


def _revoke_api_key(tenant: Tenant, admin: Membership) -> str:
    api_keys.revoke_api_key(actor=admin, key=ApiKeyFactory(tenant=tenant, created_by=admin))
    return "revoked_at"


def _create_webhook(tenant: Tenant, admin: Membership) -> str:
    webhooks.create_webhook(actor=admin, url="https://hooks.example.com/crm", events=["ticket.created"])
    return "url"


def _update_webhook(tenant: Tenant, admin: Membership) -> str:
    webhook = WebhookFactory(tenant=tenant, url="https://hooks.example.com/crm")
    webhooks.update_webhook(
        webhook=webhook, actor=admin, url=webhook.url, events=webhook.events, description="Sync to CRM"
    )
    return "description"


def _pause_webhook(tenant: Tenant, admin: Membership) -> str:
    webhooks.set_webhook_active(webhook=WebhookFactory(tenant=tenant), actor=admin, active=False)
    return "is_active"


def _delete_webhook(tenant: Tenant, admin: Membership) -> str:
    webhooks.delete_webhook(webhook=WebhookFactory(tenant=tenant), actor=admin)
    return "url"


def _rotate_webhook_secret(tenant: Tenant, admin: Membership) -> str:
    webhooks.rotate_webhook_secret(webhook=WebhookFactory(tenant=tenant), actor=admin)
    return "secret"


def _create_shared_canned(tenant: Tenant, admin: Membership) -> str:
    canned.create_canned_response(actor=admin, title="Printer", body="Turn it off and on.", shared=True)
    return "title"


def _update_shared_canned(tenant: Tenant, admin: Membership) -> str:
    response = CannedResponseFactory(tenant=tenant, owner=None, title="Printer")
    canned.update_canned_response(response=response, actor=admin, title="Printers", body=response.body)
    return "title"


def _delete_shared_canned(tenant: Tenant, admin: Membership) -> str:
    canned.delete_canned_response(response=CannedResponseFactory(tenant=tenant, owner=None), actor=admin)
    return "title"


def _share_new_view(tenant: Tenant, admin: Membership) -> str:
    team = TeamFactory(tenant=tenant)
    saved_views.save_view(actor=admin, name="Urgent", base="all", query="priority=urgent", team=team)
    return "team"


def _share_view(tenant: Tenant, admin: Membership) -> str:
    view = SavedViewFactory(tenant=tenant, owner=admin, team=None)
    saved_views.update_view(view=view, actor=admin, name=view.name, team=TeamFactory(tenant=tenant))
    return "team"


def _delete_shared_view(tenant: Tenant, admin: Membership) -> str:
    view = SavedViewFactory(tenant=tenant, owner=admin, team=TeamFactory(tenant=tenant))
    saved_views.delete_view(view=view, actor=admin)
    return "name"


# --- Structure and portal settings (tickets) ---


def _category(name: str = "Billing", parent=None):
    from tickets.models import Category

    return Category.objects.create(name=name, parent=parent)


def _create_category(tenant: Tenant, admin: Membership) -> str:
    categories.create_category(actor=admin, name="Billing")
    return "name"


def _update_category(tenant: Tenant, admin: Membership) -> str:
    category = _category()
    categories.update_category(actor=admin, category=category, name="Invoices", is_public=True, position=0, parent=None)
    return "name"


def _archive_category(tenant: Tenant, admin: Membership) -> str:
    categories.archive_category(actor=admin, category=_category())
    return "is_active"


def _delete_category(tenant: Tenant, admin: Membership) -> str:
    categories.delete_category(actor=admin, category=_category())
    return "name"


def _merge_category(tenant: Tenant, admin: Membership) -> str:
    categories.merge_category(actor=admin, source=_category("Invoices"), target=_category("Billing"))
    return "merged_into"


def _queue(name: str = "General", **fields):
    from tickets.models import Queue

    return Queue.objects.create(name=name, **fields)


def _create_queue(tenant: Tenant, admin: Membership) -> str:
    queues.create_queue(actor=admin, name="General")
    return "name"


def _update_queue(tenant: Tenant, admin: Membership) -> str:
    queue = _queue(is_default=True)
    queues.update_queue(
        actor=admin, queue=queue, name="General", team=None, assignment_strategy="manual", default_priority=3,
        is_default=True,
    )  # fmt: skip
    return "default_priority"


def _delete_queue(tenant: Tenant, admin: Membership) -> str:
    _queue(is_default=True)
    queues.delete_queue(actor=admin, queue=_queue("Spare"))
    return "name"


def _merge_queue(tenant: Tenant, admin: Membership) -> str:
    target = _queue(is_default=True)
    queues.merge_queue(actor=admin, source=_queue("Spare"), target=target)
    return "merged_into"


def _team(name: str = "Support"):
    from tickets.models import Team

    return Team.objects.create(name=name)


def _create_team(tenant: Tenant, admin: Membership) -> str:
    teams.create_team(actor=admin, name="Support")
    return "name"


def _rename_team(tenant: Tenant, admin: Membership) -> str:
    teams.rename_team(actor=admin, team=_team(), name="Second line")
    return "name"


def _delete_team(tenant: Tenant, admin: Membership) -> str:
    teams.delete_team(actor=admin, team=_team())
    return "name"


def _add_team_member(tenant: Tenant, admin: Membership) -> str:
    teams.add_team_member(actor=admin, team=_team(), member=admin)
    return "member_added"


def _remove_team_member(tenant: Tenant, admin: Membership) -> str:
    from tickets.models import TeamMembership

    team = _team()
    TeamMembership.objects.create(team=team, membership=admin)
    teams.remove_team_member(actor=admin, team=team, member=admin)
    return "member_removed"


def _tag(name: str):
    from tickets.models import Tag

    return Tag.objects.create(name=name)


def _rename_tag(tenant: Tenant, admin: Membership) -> str:
    tag_settings.rename_tag(actor=admin, tag=_tag("biling"), name="billing")
    return "name"


def _merge_tags(tenant: Tenant, admin: Membership) -> str:
    tag_settings.merge_tags(actor=admin, source=_tag("biling"), target=_tag("billing"))
    return "merged_into"


def _delete_tag(tenant: Tenant, admin: Membership) -> str:
    tag_settings.delete_tag(actor=admin, tag=_tag("old"))
    return "name"


def _escalation_tiers(tenant: Tenant, admin: Membership) -> str:
    escalation_tiers.save_escalation_tiers(actor=admin, names=["Second line", "Specialists", "Engineering", "Vendor"])
    return "tiers"


def _portal_settings(tenant: Tenant, admin: Membership) -> str:
    portal_settings.update_portal_settings(
        tenant=tenant, actor=admin, reopen_window_days=14, welcome_text="Welcome!", require_category=True,
        require_phone=False,
    )  # fmt: skip
    return "welcome_text"


def _staff(tenant: Tenant, role: str = Role.AGENT, **extra) -> Membership:
    return MembershipFactory(tenant=tenant, role=role, user__email=f"sample-{role}@acme.example", **extra)


def _invite(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.invite_member(actor=admin, email="new.agent@acme.example", role=Role.AGENT)
    return "role"


def _resend_invitation(tenant: Tenant, admin: Membership) -> str:
    invitation = InvitationFactory(tenant=tenant, invited_by=admin)
    tenancy_services.resend_invitation(actor=admin, invitation=invitation)
    return "expires_at"


def _revoke_invitation(tenant: Tenant, admin: Membership) -> str:
    invitation = InvitationFactory(tenant=tenant, invited_by=admin)
    tenancy_services.revoke_invitation(actor=admin, invitation=invitation)
    return "status"


def _change_role(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.change_role(actor=admin, membership=_staff(tenant), role=Role.SUPERVISOR)
    return "role"


def _set_capacity(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_capacity(actor=admin, membership=_staff(tenant), capacity=5)
    return "capacity"


def _set_skills(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_skills(actor=admin, membership=_staff(tenant), names=["German", "Billing"])
    return "skills"


def _deactivate(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.deactivate_member(actor=admin, membership=_staff(tenant))
    return "is_active"


def _reactivate(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.reactivate_member(actor=admin, membership=_staff(tenant, is_active=False))
    return "is_active"


def _sla_calendar(tenant: Tenant) -> object:
    from sla.models import Calendar

    return Calendar.objects.create(name="Sample hours", time_zone="Europe/Berlin")


def _sla_create_calendar(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.create_calendar(actor=admin, name="EMEA", time_zone="Europe/Berlin", hours=[[[480, 1080]]] * 7)
    return "time_zone"


def _sla_update_calendar(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    calendar = _sla_calendar(tenant)
    sla_services.update_calendar(
        actor=admin, calendar=calendar, name=calendar.name, time_zone="Europe/Berlin", hours=[[[480, 1080]]] * 7
    )
    return "hours"


def _sla_add_holiday(tenant: Tenant, admin: Membership) -> str:
    import datetime

    from sla import services as sla_services

    calendar = _sla_calendar(tenant)
    sla_services.add_holiday(actor=admin, calendar=calendar, day=datetime.date(2030, 12, 24), recurring=True)
    return "holidays"


def _sla_remove_holiday(tenant: Tenant, admin: Membership) -> str:
    import datetime

    from sla import services as sla_services
    from sla.models import CalendarHoliday

    calendar = _sla_calendar(tenant)
    holiday = CalendarHoliday.objects.create(calendar=calendar, day=datetime.date(2030, 12, 24))
    sla_services.remove_holiday(actor=admin, holiday=holiday)
    return "holidays"


def _sla_policy(tenant: Tenant) -> object:
    from sla.models import SlaPolicy

    return SlaPolicy.objects.create(name="Sample policy", calendar=_sla_calendar(tenant), is_default=True,
                                    targets={"2": {"resolution": {"seconds": 3600, "business": True}}})  # fmt: skip


def _sla_create_policy(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.create_policy(
        actor=admin, name="Standard", calendar=_sla_calendar(tenant), is_default=True,
        targets={"2": {"first_response": {"seconds": 3600, "business": True}}},
    )  # fmt: skip
    return "targets"


def _sla_update_policy(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.update_policy(
        actor=admin, policy=_sla_policy(tenant), targets={"2": {"resolution": {"seconds": 7200, "business": True}}}
    )
    return "targets"


def _agent_visibility(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_agent_visibility(tenant=tenant, actor=admin, see_all_tickets=True, see_own_figures=False)
    return "agents_see_own_figures"


def _tenant_time_zone(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.set_tenant_time_zone(tenant=tenant, actor=admin, time_zone="Europe/Berlin")
    return "timezone"


def _custom_field(**extra):
    # Made directly, not through the service: each sample must write exactly one audit row of its own.
    from tickets.models import CustomField

    return CustomField.objects.create(
        key="product", label="Product", type="choice", choices=[{"code": "cloud", "label": "Tessera Cloud"}], **extra
    )


def _custom_field_created(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.create_custom_field(actor=admin, key="product", label="Product", type="text")
    return "key"


def _custom_field_updated(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    field = _custom_field()
    custom_fields.update_custom_field(
        actor=admin, field=field, label="Product line", type="choice", choices=field.choices
    )
    return "label"


def _custom_field_archived(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.archive_custom_field(actor=admin, field=_custom_field())
    return "archived_at"


def _custom_field_restored(tenant: Tenant, admin: Membership) -> str:
    from django.utils import timezone

    from tickets.services import custom_fields

    custom_fields.restore_custom_field(actor=admin, field=_custom_field(archived_at=timezone.now()))
    return "archived_at"


def _custom_field_deleted(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.delete_custom_field(actor=admin, field=_custom_field())
    return "label"


def _sla_add_ladder_step(tenant: Tenant, admin: Membership) -> str:
    from sla import ladder_services

    ladder_services.add_ladder_step(
        actor=admin, policy=_sla_policy(tenant), target_kind="resolution", trigger="breach", after_hours=2,
        raise_priority_to=4,
    )  # fmt: skip
    return "raise_priority_to"


def _sla_remove_ladder_step(tenant: Tenant, admin: Membership) -> str:
    from sla import ladder_services
    from sla.models import LadderStep

    step = LadderStep.objects.create(policy=_sla_policy(tenant), target_kind="first_response", trigger="warning",
                                     raise_priority_to=3)  # fmt: skip
    ladder_services.remove_ladder_step(actor=admin, step=step)
    return "raise_priority_to"


def _sla_automation(tenant: Tenant, admin: Membership) -> str:
    from sla.automation.rules import update_automation_settings
    from sla.models import AutomationSettings

    AutomationSettings.objects.create()  # the defaults, saved: the sample changes one of them
    update_automation_settings(
        tenant=tenant, actor=admin, resolve_after_days=10, close_enabled=True, close_after_days=None
    )
    return "resolve_after_days"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
def _routing_availability_rules(tenant: Tenant, admin: Membership) -> str:
    from routing.availability.settings import set_availability_rules

    set_availability_rules(tenant=tenant, actor=admin, away_after_idle_minutes=15, return_after_offline_minutes=90)
    return "away_after_idle_minutes"


def _routing_rule(tenant: Tenant, admin: Membership, position: int = 0):
    """A draft rule made without the service (its audit row would be counted)."""
    from routing.models import Rule

    return Rule.objects.create(
        name=f"Sampled {position}", position=position, actions=[{"action": "set_priority", "value": 3}]
    )


def _routing_create_rule(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    routing_services.create_rule(
        actor=admin, name="Sampled", conditions=[], actions=[{"action": "set_priority", "text": "High"}]
    )
    return "name"


def _routing_update_rule(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    rule = _routing_rule(tenant, admin)
    routing_services.update_rule(
        actor=admin, rule=rule, name="Sampled again", conditions=[],
        actions=[{"action": "set_priority", "text": "Urgent"}],
    )  # fmt: skip
    return "name"


def _routing_set_rule_active(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    routing_services.set_rule_active(actor=admin, rule=_routing_rule(tenant, admin), is_active=False)
    return "is_active"


def _routing_delete_rule(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    routing_services.delete_rule(actor=admin, rule=_routing_rule(tenant, admin))
    return "name"


def _routing_move_rule(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    _routing_rule(tenant, admin, 0)
    second = _routing_rule(tenant, admin, 1)
    routing_services.move_rule(actor=admin, rule=second, direction="up")
    return "position"


def _routing_publish_rules(tenant: Tenant, admin: Membership) -> str:
    from routing import services as routing_services

    _routing_rule(tenant, admin)
    routing_services.publish_rules(actor=admin)
    return "number"


def _custom_field_sort_index(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.set_custom_field_sort_index(actor=admin, field=_custom_field(), indexed=True)
    return "sort_indexed"


SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.tenants.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
    "tickets.services.mail_settings.add_support_address": _add_address,
    "tickets.services.mail_settings.update_support_address": _update_address,
    "tickets.services.mail_settings.remove_support_address": _remove_address,
    "tickets.services.mail_settings.verify_support_address": _verify_address,
    "tickets.services.mail_settings.save_email_template": _save_template,
    "tickets.services.mail_settings.reset_email_template": _reset_template,
    "tickets.services.mail_settings.rotate_inbound_secret": _rotate_inbound_secret,
    "tickets.services.mail_authentication.set_trusted_authserv_ids": _address_trust,
    "tickets.services.mail_authentication.set_endpoint_trusted_authserv_ids": _endpoint_trust,
    "tickets.services.imap_mailboxes.add_imap_mailbox": _add_imap,
    "tickets.services.imap_mailboxes.update_imap_mailbox": _update_imap,
    "tickets.services.imap_mailboxes.remove_imap_mailbox": _remove_imap,
    "tickets.services.api_keys.create_api_key": _create_api_key,
    "tickets.services.api_keys.revoke_api_key": _revoke_api_key,
    "tickets.services.webhooks.create_webhook": _create_webhook,
    "tickets.services.webhooks.update_webhook": _update_webhook,
    "tickets.services.webhooks.set_webhook_active": _pause_webhook,
    "tickets.services.webhooks.delete_webhook": _delete_webhook,
    "tickets.services.webhooks.rotate_webhook_secret": _rotate_webhook_secret,
    "tickets.services.canned.create_canned_response": _create_shared_canned,
    "tickets.services.canned.update_canned_response": _update_shared_canned,
    "tickets.services.canned.delete_canned_response": _delete_shared_canned,
    "tickets.services.saved_views.save_view": _share_new_view,
    "tickets.services.saved_views.update_view": _share_view,
    "tickets.services.saved_views.delete_view": _delete_shared_view,
    "tickets.services.categories.create_category": _create_category,
    "tickets.services.categories.update_category": _update_category,
    "tickets.services.categories.archive_category": _archive_category,
    "tickets.services.categories.delete_category": _delete_category,
    "tickets.services.categories.merge_category": _merge_category,
    "tickets.services.queues.create_queue": _create_queue,
    "tickets.services.queues.update_queue": _update_queue,
    "tickets.services.queues.delete_queue": _delete_queue,
    "tickets.services.queues.merge_queue": _merge_queue,
    "tickets.services.teams.create_team": _create_team,
    "tickets.services.teams.rename_team": _rename_team,
    "tickets.services.teams.delete_team": _delete_team,
    "tickets.services.teams.add_team_member": _add_team_member,
    "tickets.services.teams.remove_team_member": _remove_team_member,
    "tickets.services.tag_settings.rename_tag": _rename_tag,
    "tickets.services.tag_settings.merge_tags": _merge_tags,
    "tickets.services.tag_settings.delete_tag": _delete_tag,
    "tickets.services.escalation_tiers.save_escalation_tiers": _escalation_tiers,
    "tickets.services.portal_settings.update_portal_settings": _portal_settings,
    "tenancy.services.invitations.invite_member": _invite,
    "tenancy.services.invitations.resend_invitation": _resend_invitation,
    "tenancy.services.invitations.revoke_invitation": _revoke_invitation,
    "tenancy.services.members.change_role": _change_role,
    "tenancy.services.members.set_capacity": _set_capacity,
    "tenancy.services.members.set_skills": _set_skills,
    "tenancy.services.members.deactivate_member": _deactivate,
    "tenancy.services.members.reactivate_member": _reactivate,
    "sla.services.create_calendar": _sla_create_calendar,
    "sla.services.update_calendar": _sla_update_calendar,
    "sla.services.add_holiday": _sla_add_holiday,
    "sla.services.remove_holiday": _sla_remove_holiday,
    "sla.services.create_policy": _sla_create_policy,
    "sla.services.update_policy": _sla_update_policy,
    "tenancy.services.tenants.set_tenant_time_zone": _tenant_time_zone,
    "tenancy.services.tenants.set_agent_visibility": _agent_visibility,
    "tickets.services.custom_fields.create_custom_field": _custom_field_created,
    "tickets.services.custom_fields.update_custom_field": _custom_field_updated,
    "tickets.services.custom_fields.archive_custom_field": _custom_field_archived,
    "tickets.services.custom_fields.restore_custom_field": _custom_field_restored,
    "tickets.services.custom_fields.delete_custom_field": _custom_field_deleted,
    "sla.ladder_services.add_ladder_step": _sla_add_ladder_step,
    "sla.ladder_services.remove_ladder_step": _sla_remove_ladder_step,
    "routing.availability.settings.set_availability_rules": _routing_availability_rules,
    "sla.automation.rules.update_automation_settings": _sla_automation,
    "routing.services.create_rule": _routing_create_rule,
    "routing.services.update_rule": _routing_update_rule,
    "routing.services.set_rule_active": _routing_set_rule_active,
    "routing.services.delete_rule": _routing_delete_rule,
    "routing.services.move_rule": _routing_move_rule,
    "routing.services.publish_rules": _routing_publish_rules,
    "tickets.services.custom_fields.set_custom_field_sort_index": _custom_field_sort_index,
}
