"""Invitations: an admin invites by email, the invitee opens the signed link on the tenant's host, sets a password
(or signs in with theirs) and lands on the desk as a member. A link works once, until it expires, is withdrawn or is
sent again; a tampered link or another tenant's is refused with a clear page, never a 500."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Invitation, Membership, User
from tenancy.roles import Role
from tenancy.services import invitation_token, invite_member, resend_invitation, revoke_invitation
from tenancy.setup import checklist
from tests.conftest import PASSWORD, host_client, make_member
from tests.tenancy.factories import InvitationFactory

NEW_PASSWORD = "a-long-and-fresh-passphrase"


def _invite(tenant, admin, email="new.agent@example.com", role=Role.AGENT) -> tuple[Invitation, str]:
    with tenant_context(tenant):
        invitation = invite_member(actor=admin, email=email, role=role)
        return invitation, invitation_token(invitation)


def _accept_url(token: str) -> str:
    return reverse("accept_invitation", kwargs={"token": token})


def _accept(client, token: str, *, name="Nina New", password=NEW_PASSWORD):
    return client.post(_accept_url(token), {"full_name": name, "password1": password, "password2": password})


@pytest.mark.django_db
def test_invitation_end_to_end_mail_link_password_and_desk(
    tenant, admin, mailoutbox, django_capture_on_commit_callbacks
):
    # given an admin who invites an agent from the members page
    client = host_client(tenant, admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:member_invite"), {"email": "Nina@Example.com", "role": Role.AGENT})
    assert response.status_code == 302
    # then the invitee gets a mail with a link on the tenant's own host
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nina@example.com"]
    link = re.search(r"http://acme\.localhost(/accounts/invitation/[^\s]+)", mailoutbox[0].body).group(1)
    # when the invitee opens it, then sets a name and password
    invitee = host_client(tenant)
    page = invitee.get(link)
    assert page.status_code == 200
    assert "Acme Corporation" in page.text and "agent" in page.text and "nina@example.com" in page.text
    accepted = invitee.post(link, {"full_name": "Nina New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    # then they are signed in on this host and land on the desk, an agent of this tenant
    assert accepted.status_code == 302 and accepted["Location"] == reverse("desk:home")
    assert invitee.get(reverse("desk:home")).status_code == 200
    with tenant_context(tenant):
        member = Membership.objects.select_related("user").get(user__email="nina@example.com")
        invitation = Invitation.objects.get()
        change = ConfigChange.objects.filter(target_type="tenancy.membership").get()
    assert member.role == Role.AGENT and member.is_active and member.user.full_name == "Nina New"
    assert member.user.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None and invitation.accepted_membership_id == member.pk
    assert change.actor_automation == "invitation accepted" and change.after["role"] == Role.AGENT
    # and the database never held the token itself
    with tenant_context(tenant):
        assert link.rstrip("/").rsplit("/", 1)[-1] not in str(list(Invitation.objects.values_list()))


@pytest.mark.django_db
def test_invitation_link_works_once(tenant, admin):
    # given an invitation that was accepted
    _, token = _invite(tenant, admin)
    assert _accept(host_client(tenant), token).status_code == 302
    # when the link is opened again, or posted again with another password
    again = host_client(tenant)
    opened, posted = again.get(_accept_url(token)), _accept(again, token, password="another-long-passphrase")
    # then it is gone for good, and the password is the first one
    assert opened.status_code == posted.status_code == 410
    assert "already been accepted" in opened.text
    assert User.objects.get(email="new.agent@example.com").check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_invitation_link_expires(tenant, admin, settings):
    # given an invitation sent longer ago than links last
    invitation, token = _invite(tenant, admin)
    with tenant_context(tenant):
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when the invitee opens it and tries to accept
    client = host_client(tenant)
    opened, posted = client.get(_accept_url(token)), _accept(client, token)
    # then they are told it expired, and no member was made
    assert opened.status_code == posted.status_code == 410
    assert "expired" in opened.text
    with tenant_context(tenant):
        assert not Membership.objects.filter(user__email="new.agent@example.com").exists()


@pytest.mark.django_db
def test_invitation_link_expiry_is_configurable(tenant, admin, settings):
    # given links configured to last two days
    settings.INVITATION_DAYS = 2
    # when an admin invites someone
    invitation, _ = _invite(tenant, admin)
    # then the link expires two days from now
    assert timedelta(days=2) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.django_db
def test_withdrawn_invitation_link_is_refused(tenant, admin):
    # given an invitation the admin withdrew
    invitation, token = _invite(tenant, admin)
    with tenant_context(tenant):
        revoke_invitation(actor=admin, invitation=invitation)
    # when the invitee opens it
    response = host_client(tenant).get(_accept_url(token))
    # then they are told so
    assert response.status_code == 410 and "withdrawn" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["flip", "truncate", "garbage"])
def test_tampered_invitation_link_is_refused(tenant, admin, tamper):
    # given a real invitation's token, altered
    _, token = _invite(tenant, admin)
    altered = {
        "flip": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[: len(token) // 2],
        "garbage": "not-a-token",
    }[tamper]
    # when it is opened and posted
    client = host_client(tenant)
    responses = [client.get(_accept_url(altered)), _accept(client, altered)]
    # then the page says the link is not valid (400), and nobody became a member
    assert [r.status_code for r in responses] == [400, 400]
    assert "not valid" in responses[0].text
    with tenant_context(tenant):
        assert not Membership.objects.filter(user__email="new.agent@example.com").exists()


@pytest.mark.django_db
def test_another_tenants_invitation_is_refused_on_this_host(tenant, other_tenant, admin):
    # given a pending invitation of globex, with its real token
    globex_admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")
    invitation, token = _invite(other_tenant, globex_admin, email="spy@example.com", role=Role.ADMIN)
    # when it is opened and posted on acme's host
    client = host_client(tenant)
    responses = [client.get(_accept_url(token)), _accept(client, token)]
    # then acme refuses it and nobody became a member anywhere
    assert [r.status_code for r in responses] == [400, 400]
    assert "not for this help desk" in responses[0].text
    with tenant_context(tenant):
        assert not Membership.objects.filter(user__email="spy@example.com").exists()
    with tenant_context(other_tenant):
        assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    # while on globex's own host the same link works
    assert _accept(host_client(other_tenant), token).status_code == 302


@pytest.mark.django_db
def test_sending_again_retires_the_old_link(tenant, admin):
    # given an invitation sent, then sent again
    invitation, old_token = _invite(tenant, admin)
    with tenant_context(tenant):
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=invitation.sent_at - timedelta(seconds=5))
        invitation.refresh_from_db()
        resent = resend_invitation(actor=admin, invitation=invitation)
        new_token = invitation_token(resent)
    # when the invitee opens the old link, then the new one
    old, new = host_client(tenant).get(_accept_url(old_token)), _accept(host_client(tenant), new_token)
    # then only the newest works
    assert old.status_code == 410 and "newest mail" in old.text
    assert new.status_code == 302


@pytest.mark.django_db
def test_inviting_the_same_address_again_replaces_the_pending_invitation(tenant, admin):
    # given a pending invitation as agent
    first, first_token = _invite(tenant, admin)
    # when the admin invites the same address as supervisor
    _, second_token = _invite(tenant, admin, email="NEW.AGENT@example.com", role=Role.SUPERVISOR)
    # then one invitation is pending, with the new role, and only the new link works
    with tenant_context(tenant):
        assert list(Invitation.objects.values_list("pk", "role")) == [(first.pk, Role.SUPERVISOR)]
    assert host_client(tenant).get(_accept_url(first_token)).status_code == 410
    assert _accept(host_client(tenant), second_token).status_code == 302
    with tenant_context(tenant):
        assert Membership.objects.get(user__email="new.agent@example.com").role == Role.SUPERVISOR


@pytest.mark.django_db
def test_accepting_with_a_weak_password_shows_the_validators_message(tenant, admin):
    # given an invitation
    _, token = _invite(tenant, admin)
    # when the invitee picks a short, common password
    response = _accept(host_client(tenant), token, password="password")
    # then the page says why, and the link still works
    assert response.status_code == 400
    assert "too short" in response.text or "too common" in response.text
    assert host_client(tenant).get(_accept_url(token)).status_code == 200


@pytest.mark.django_db
def test_invitee_with_an_account_signs_in_to_accept(tenant, other_tenant, admin):
    # given someone who is already an agent of globex, with a password, invited to acme
    make_member(other_tenant, Role.AGENT, "pat@example.com")
    _, token = _invite(tenant, admin, email="pat@example.com")
    client = host_client(tenant)
    # when they open the link, then give a wrong password, then their own
    page = client.get(_accept_url(token))
    wrong = client.post(_accept_url(token), {"password": "not-my-password"})
    right = client.post(_accept_url(token), {"password": PASSWORD})
    # then they are asked for their password (never to set a new one), refused, then let in
    assert page.status_code == 200 and "password1" not in page.text and 'name="password"' in page.text
    assert wrong.status_code == 400 and "not the password" in wrong.text
    assert right.status_code == 302
    with tenant_context(tenant):
        assert Membership.objects.get(user__email="pat@example.com").role == Role.AGENT
    assert User.objects.get(email="pat@example.com").check_password(PASSWORD)


@pytest.mark.django_db
def test_invite_refuses_current_staff_and_the_customer_role(tenant, admin, agent):
    with tenant_context(tenant):
        # when an admin invites an active agent
        with pytest.raises(ServiceError, match="already a member"):
            invite_member(actor=admin, email=agent.user.email, role=Role.AGENT)
        # or invites someone as a customer
        with pytest.raises(Exception, match="portal"):
            invite_member(actor=admin, email="c@example.com", role=Role.CUSTOMER)
        # then no invitation exists
        assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invitation_of_an_inviter_who_lost_the_admin_role_is_refused(tenant, admin):
    # given an invitation sent by an admin who was since made an agent
    invitation = InvitationFactory(tenant=tenant, invited_by=make_member(tenant, Role.AGENT, "was.admin@example.com"))
    with tenant_context(tenant):
        token = invitation_token(invitation)
    # when the invitee opens it
    response = host_client(tenant).get(_accept_url(token))
    # then it no longer works
    assert response.status_code == 410 and "can no longer invite" in response.text


@pytest.mark.django_db
def test_checklist_counts_a_pending_invitation(tenant, admin):
    # given a new tenant's checklist, where no agent was invited yet
    with tenant_context(tenant):
        before = {item.key: item.done for item in checklist(tenant)}["invite_agents"]
    # when the admin invites one
    _invite(tenant, admin)
    # then "Invite your agents" is done before the agent accepts
    with tenant_context(tenant):
        after = {item.key: item.done for item in checklist(tenant)}["invite_agents"]
    assert (before, after) == (False, True)


@pytest.mark.django_db
def test_invitation_token_is_the_same_whenever_it_is_made(tenant, admin, monkeypatch):
    # given an invitation whose link's digest was stored when it was sent
    invitation, token = _invite(tenant, admin)
    # when the mail task rebuilds the token a minute later (the signer must not stamp the current time into it)
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    # then it is the very token the stored digest was made from, and it opens the invitation
    assert invitation_token(invitation) == token
    assert host_client(tenant).get(_accept_url(invitation_token(invitation))).status_code == 200
