"""The email, IMAP, API key and webhook settings are audited without ever writing a secret; their pages still
validate and refuse with a message (and a refused change writes no audit row); supervisors configure shared canned
responses and shared views, and nothing of the admins' settings.

(Each settings service's one audit row with before and after is proved in tests/tenancy/test_config_audit.py,
from tests/tenancy/settings_samples.py.)"""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tenancy.audit import HIDDEN, REPLACED
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange
from tests.conftest import host_client
from tests.tickets.factories import (
    CannedResponseFactory,
    ImapMailboxFactory,
    SavedViewFactory,
    SupportAddressFactory,
    TeamFactory,
    WebhookFactory,
)
from tickets.models import ImapMailbox, MailSettings, Webhook
from tickets.services import api_keys, canned, imap_mailboxes, mail_authentication, mail_settings, saved_views, webhooks

IMAP = {"host": "imap.example.com", "port": 993, "use_ssl": True, "username": "help@acme.example"}


def _audit_text() -> str:
    """Everything the audit holds about every change, as one string to search."""
    rows = ConfigChange.objects.values_list("target_label", "before", "after")
    return json.dumps([list(row) for row in rows])


@pytest.mark.django_db
def test_settings_audit_never_holds_a_secret(tenant, admin):
    # given every secret the email, IMAP, API key and webhook settings make or take, created and replaced
    with tenant_context(tenant):
        secrets = []
        mailbox = imap_mailboxes.add_imap_mailbox(actor=admin, password="first-imap-password-7Q", **IMAP)
        imap_mailboxes.update_imap_mailbox(
            actor=admin, mailbox=mailbox, password="second-imap-password-9Z", folder="INBOX", is_active=True, **IMAP
        )
        secrets += ["first-imap-password-7Q", "second-imap-password-9Z"]
        _, plaintext = api_keys.create_api_key(actor=admin, name="CRM sync", role="agent")
        secrets += [plaintext, api_keys.split_key(plaintext)[1]]
        secrets += [mail_settings.rotate_inbound_secret(actor=admin), mail_settings.rotate_inbound_secret(actor=admin)]
        webhook = webhooks.create_webhook(actor=admin, url="https://hooks.example.com/crm", events=["ticket.created"])
        secrets.append(webhook.secret)
        webhooks.rotate_webhook_secret(webhook=webhook, actor=admin)
        secrets.append(Webhook.objects.get(pk=webhook.pk).secret)
        webhooks.delete_webhook(webhook=webhook, actor=admin)
        imap_mailboxes.remove_imap_mailbox(actor=admin, mailbox=ImapMailbox.objects.get(pk=mailbox.pk))

        # when we read the whole audit
        text = _audit_text()
        changes = list(ConfigChange.objects.order_by("id"))

    # then every change is there, the secrets only as markers, never their values (nor the API key's public part
    # with its secret)
    assert len(changes) == 9
    for secret in secrets:
        assert len(secret) >= 16 and secret not in text
    assert changes[0].after["password"] == HIDDEN
    assert (changes[1].before["password"], changes[1].after["password"]) == (HIDDEN, REPLACED)
    assert changes[2].after["key"] == HIDDEN
    assert changes[4].after == {"inbound_secret": REPLACED}
    assert (changes[6].before, changes[6].after) == ({"secret": HIDDEN}, {"secret": REPLACED})


@pytest.mark.django_db
def test_imap_mailbox_saved_with_its_trusted_hosts_is_one_audit_row(tenant, admin):
    # given an admin on the IMAP page
    client = host_client(tenant, admin)
    form = {
        **IMAP,
        "use_ssl": "on",
        "password": "app-password",
        "folder": "INBOX",
        "trusted_authserv_ids": "mx.example.com",
    }
    # when they add a mailbox with a trusted receiving host
    response = client.post(reverse("desk:imap_mailboxes"), form)
    # then the mailbox and its trusted host are saved as one change
    assert response.status_code == 302
    with tenant_context(tenant):
        change = ConfigChange.objects.get()
        assert ImapMailbox.objects.get().trusted_authserv_ids == "mx.example.com"
    assert (change.area, change.action) == ("tickets.imap", "created")
    assert change.after["trusted_authserv_ids"] == "mx.example.com"


@pytest.mark.django_db
def test_webhook_page_refused_url_is_said_under_the_field_and_writes_nothing(tenant, admin, settings):
    # given an installation that calls public addresses only, and an admin adding a webhook into a private network
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    client = host_client(tenant, admin)
    # when they submit it
    response = client.post(
        reverse("desk:webhook_new"), {"url": "https://192.168.1.20/hook", "events": ["ticket.created"]}
    )
    # then the form comes back with the reason under the URL, and nothing was saved or recorded
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    with tenant_context(tenant):
        assert not Webhook.objects.exists()
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_endpoint_trust_refused_as_a_message_writes_nothing(tenant, admin):
    # given an admin typing something that is no host name as the endpoint's trusted host
    client = host_client(tenant, admin)
    # when they save it
    response = client.post(reverse("desk:endpoint_trust"), {"trusted_authserv_ids": "not a host!"})
    # then they are sent back to the email page with the refusal as a message, and nothing was recorded
    assert response.status_code == 302
    assert response["Location"].endswith("#mail-authentication")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    with tenant_context(tenant):
        assert not ConfigChange.objects.exists()
        assert not MailSettings.objects.exclude(trusted_authserv_ids="").exists()


@pytest.mark.django_db
def test_imap_page_refusal_by_the_service_goes_on_the_form(tenant, admin):
    # given a mailbox the help desk reads already
    with tenant_context(tenant):
        ImapMailboxFactory(tenant=tenant, **IMAP)
    client = host_client(tenant, admin)
    # when an admin adds the same one again
    form = {**IMAP, "use_ssl": "on", "password": "app-password", "folder": "INBOX"}
    response = client.post(reverse("desk:imap_mailboxes"), form)
    # then the page answers 400 with the service's reason on the form, and nothing was recorded
    assert response.status_code == 400
    assert "is already read" in " ".join(response.context["form"].non_field_errors())
    with tenant_context(tenant):
        assert not ConfigChange.objects.exists()


# --- Who configures what ---------------------------------------------------------------------------------------


def _admin_only_changes(tenant):
    address = SupportAddressFactory(tenant=tenant)
    mailbox = ImapMailboxFactory(tenant=tenant)
    webhook = WebhookFactory(tenant=tenant)
    return {
        "support address": lambda m: mail_settings.add_support_address(actor=m, email="billing@example.com"),
        "address trust": lambda m: mail_authentication.set_trusted_authserv_ids(
            actor=m, target=address, value="mx.example.com"
        ),
        "endpoint trust": lambda m: mail_authentication.set_endpoint_trusted_authserv_ids(
            actor=m, value="mx.example.com"
        ),
        "inbound secret": lambda m: mail_settings.rotate_inbound_secret(actor=m),
        "email template": lambda m: mail_settings.save_email_template(
            actor=m, kind="acknowledgement", subject="Hi", body_text="Hello"
        ),
        "imap add": lambda m: imap_mailboxes.add_imap_mailbox(actor=m, password="pw", **IMAP),
        "imap remove": lambda m: imap_mailboxes.remove_imap_mailbox(actor=m, mailbox=mailbox),
        "api key": lambda m: api_keys.create_api_key(actor=m, name="CRM", role="agent"),
        "webhook": lambda m: webhooks.create_webhook(
            actor=m, url="https://hooks.example.com/x", events=["ticket.created"]
        ),
        "webhook secret": lambda m: webhooks.rotate_webhook_secret(webhook=webhook, actor=m),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_admin_settings_services_refuse_supervisors_and_agents(tenant, admin, supervisor, agent, role):
    # given a supervisor or an agent, and the objects the admins' settings change
    member = {"supervisor": supervisor, "agent": agent}[role]
    with tenant_context(tenant):
        changes = _admin_only_changes(tenant)
        for name, change in changes.items():
            # when they try each change through the service itself
            with pytest.raises(ServiceError):
                change(member)
            # then it is refused and nothing is recorded
            assert not ConfigChange.objects.exists(), name
        assert ImapMailbox.objects.count() == 1 and Webhook.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["email_settings", "imap_mailboxes", "api_keys", "webhooks", "webhook_new"])
def test_admin_settings_pages_refuse_supervisors(tenant, supervisor, name):
    # given a supervisor signed in
    client = host_client(tenant, supervisor)
    # when they open one of the admins' settings pages / then they are refused
    assert client.get(reverse(f"desk:{name}")).status_code == 403


@pytest.mark.django_db
def test_settings_index_shows_a_supervisor_only_canned_responses_and_shared_views(tenant, supervisor):
    # given a supervisor signed in
    client = host_client(tenant, supervisor)
    # when they open the settings index
    response = client.get(reverse("desk:settings"))
    # then it lists what they configure, and none of the admins' sections
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("desk:canned") in content and reverse("desk:saved_views") in content
    for admin_only in ("desk:email_settings", "desk:api_keys", "desk:webhooks", "desk:attachment_settings"):
        assert f'href="{reverse(admin_only)}"' not in content


@pytest.mark.django_db
def test_supervisor_changes_to_shared_canned_responses_are_audited(tenant, supervisor):
    with tenant_context(tenant):
        # given a supervisor
        # when they create a shared response, change it, then delete it
        response = canned.create_canned_response(actor=supervisor, title="Printer", body="Restart it.", shared=True)
        canned.update_canned_response(response=response, actor=supervisor, title="Printers", body="Restart it.")
        canned.delete_canned_response(response=response, actor=supervisor)
        # then the audit has the three changes, each by them
        changes = list(ConfigChange.objects.order_by("id"))
    assert [(c.area, c.action) for c in changes] == [
        ("tickets.canned", "created"),
        ("tickets.canned", "updated"),
        ("tickets.canned", "deleted"),
    ]
    assert {c.actor_membership_id for c in changes} == {supervisor.pk}
    assert changes[1].before == {"title": "Printer"} and changes[1].after == {"title": "Printers"}


@pytest.mark.django_db
def test_agent_may_not_share_canned_responses_and_personal_ones_are_not_audited(tenant, agent):
    with tenant_context(tenant):
        # given an agent
        # when they try to create a shared response
        with pytest.raises(ServiceError, match="Only supervisors and admins"):
            canned.create_canned_response(actor=agent, title="Printer", body="Restart it.", shared=True)
        # and create, change and delete a personal one
        mine = canned.create_canned_response(actor=agent, title="Mine", body="My words.")
        canned.update_canned_response(response=mine, actor=agent, title="Still mine", body="My words.")
        canned.delete_canned_response(response=mine, actor=agent)
        # and try to change a shared one
        shared = CannedResponseFactory(tenant=tenant, owner=None)
        with pytest.raises(ServiceError):
            canned.update_canned_response(response=shared, actor=agent, title="Hijacked", body="x")
        # then nothing of it is configuration: the audit is empty
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_supervisor_sharing_a_view_is_audited_and_an_agent_may_not(tenant, supervisor, agent):
    with tenant_context(tenant):
        # given a team, a supervisor's personal view and an agent's
        team = TeamFactory(tenant=tenant)
        view = SavedViewFactory(tenant=tenant, owner=supervisor, team=None)
        agents_view = SavedViewFactory(tenant=tenant, owner=agent, team=None)
        # when the supervisor shares theirs with the team, then stops sharing it
        saved_views.update_view(view=view, actor=supervisor, name=view.name, team=team)
        saved_views.update_view(view=view, actor=supervisor, name=view.name, team=None)
        # and the agent tries to share theirs
        with pytest.raises(ServiceError, match="Only supervisors and admins"):
            saved_views.update_view(view=agents_view, actor=agent, name=agents_view.name, team=team)
        # and renames it (a personal view: no configuration)
        saved_views.update_view(view=agents_view, actor=agent, name="Renamed", team=None)
        changes = list(ConfigChange.objects.order_by("id"))
    # then the audit holds the share and the unshare, by the supervisor, and nothing of the agent's
    assert [(c.area, c.before, c.after) for c in changes] == [
        ("tickets.saved_views", {"team": None}, {"team": team.pk}),
        ("tickets.saved_views", {"team": team.pk}, {"team": None}),
    ]
    assert {c.actor_membership_id for c in changes} == {supervisor.pk}


@pytest.mark.django_db
def test_settings_audit_of_one_tenant_stays_in_it(tenant, other_tenant, admin):
    # given a webhook created in acme
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url="https://hooks.example.com/crm", events=["ticket.created"])
    # when globex reads its audit / then it sees nothing of it
    with tenant_context(other_tenant):
        assert not ConfigChange.objects.exists()
