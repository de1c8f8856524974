"""Invitations to join a tenant's staff: a signed, single-use, expiring link mailed to the invitee, who sets a
password (or signs in with the one they have) and becomes a member with the invited role.

Customers never get one: they use the portal's sign-in links. The token is Django's signing (an HMAC with
SECRET_KEY) of the tenant, the invitation and the moment it was last sent; the database keeps only its SHA-256,
and the mail task rebuilds the token from the row, so nothing stored can be replayed. Sending again (or inviting
the same address again) changes the moment, which retires the old link.
"""

from __future__ import annotations

import hashlib
import hmac
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service
from tenancy.context import current_tenant_id
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Invitation, Membership, Tenant, User, normalize_email
from tenancy.outbox import on_commit_task
from tenancy.roles import STAFF_ROLES, Role
from tenancy.services.members import AREA, add_member, get_or_create_user

SALT = "tenancy.invitation"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAIL_TASK = "tenancy.send_invitation"
# Who accepting an invitation is recorded as in the audit (the invitee is not a member yet).
ACCEPTED = "invitation accepted"


class InvalidInvitation(Exception):
    """A link that cannot be used; `status` is 400 for a link that was never valid here, 410 for one that was."""

    def __init__(self, message: str, *, status: int = 410):
        super().__init__(message)
        self.status = status


# --- Tokens -----------------------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The token of the invitation's newest link (the mail task and the tests rebuild it from the row)."""
    stamp = (invitation.sent_at - EPOCH) // timedelta(microseconds=1)  # exact: no float rounding
    # A plain Signer, not signing.dumps: that one adds the current time, so the token would depend on when it is
    # made, and the mail task must make the very token whose digest was stored.
    return signing.Signer(salt=SALT).sign_object([invitation.tenant_id, invitation.pk, stamp])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(invitation: Invitation, tenant: Tenant) -> str:
    return tenant.url_for("accept_invitation", token=invitation_token(invitation))


def check_invitation(*, token: str, lock: bool = False) -> Invitation:
    """The pending invitation this token opens in the tenant in scope, or InvalidInvitation saying why not."""
    try:
        tenant_id, invitation_id, _stamp = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        message = "This invitation link is not valid. Check that you copied all of it."
        raise InvalidInvitation(message, status=400) from None
    if tenant_id != current_tenant_id():
        raise InvalidInvitation("This invitation link is not for this help desk.", status=400)
    invitations = Invitation.objects.select_related("invited_by__user")
    invitation = (invitations.select_for_update(of=("self",)) if lock else invitations).filter(pk=invitation_id).first()
    if invitation is None:
        raise InvalidInvitation("This invitation link is not valid.", status=400)
    if not hmac.compare_digest(token_digest(token), invitation.token_hash):
        raise InvalidInvitation("This invitation was sent again: use the link in the newest mail.")
    if invitation.accepted_at is not None:
        raise InvalidInvitation("This invitation has already been accepted. Sign in with your password.")
    if invitation.revoked_at is not None:
        raise InvalidInvitation("This invitation was withdrawn. Ask an admin of this help desk for a new one.")
    if invitation.expires_at <= timezone.now():
        raise InvalidInvitation("This invitation has expired. Ask an admin of this help desk to send it again.")
    if invitation.invited_by_id and not invitation.invited_by.has_role(Role.ADMIN):
        raise InvalidInvitation("Whoever sent this invitation can no longer invite. Ask an admin for a new one.")
    return invitation


# --- What admins do ---------------------------------------------------------------------------------------------

INVITATION_FIELDS = ("email", "role", "expires_at")


@settings_service(AREA)
def invite_member(*, actor: Membership | Automation, email: str, role: str) -> Invitation:
    """Invite `email` to the staff with `role` and mail them the link. Inviting an address that has a pending
    invitation replaces it (new role, new link, new expiry)."""
    require_admin_or_automation(actor, "Only admins can invite members.")
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Invite an agent, a supervisor or an admin (customers use the portal)."})
    email = normalize_email(email)
    try:
        User(email=email).clean_fields(exclude=["password", "full_name"])
    except ValidationError as invalid:
        raise ValidationError({"email": invalid.message_dict.get("email", ["Enter a valid email address."])}) from None
    member = Membership.objects.select_related("user").filter(user__email=email).first()
    if member is not None and Role(member.role).is_staff:
        if member.is_active:
            raise ServiceError(f"{email} is already a member ({member.get_role_display().lower()}).")
        raise ServiceError(f"{email} was deactivated: reactivate them instead of inviting them again.")
    invitation = Invitation.objects.select_for_update().filter(email=email, accepted_at=None, revoked_at=None).first()
    replacing = invitation is not None
    before = _invitation_values(invitation) if replacing else {}
    if invitation is None:
        invitation = Invitation(email=email)
    invitation.role = role
    invitation.invited_by = actor if isinstance(actor, Membership) else actor.acting_for
    _new_link(invitation)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED if replacing else ConfigChange.Action.CREATED,
        target=invitation,
        before=before,
        after=_invitation_values(invitation),
    )
    return invitation


@settings_service(AREA)
def resend_invitation(*, actor: Membership | Automation, invitation: Invitation) -> Invitation:
    """Mail a pending (or expired) invitation again with a fresh link and expiry; the old link stops working."""
    require_admin_or_automation(actor, "Only admins can invite members.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ServiceError(f"The invitation of {invitation.email} was {invitation.get_status_display().lower()}.")
    before = _invitation_values(invitation)
    if isinstance(actor, Membership):
        invitation.invited_by = actor
    _new_link(invitation)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=invitation,
        before=before,
        after=_invitation_values(invitation),
    )
    return invitation


@settings_service(AREA)
def revoke_invitation(*, actor: Membership | Automation, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working at once."""
    require_admin_or_automation(actor, "Only admins can withdraw invitations.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ServiceError(f"The invitation of {invitation.email} was {invitation.get_status_display().lower()}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=invitation,
        before={"status": Invitation.Status.PENDING},
        after={"status": Invitation.Status.REVOKED},
    )
    return invitation


def _new_link(invitation: Invitation) -> None:
    """A new sending moment (so a new token), expiry and digest; the mail goes out once this commits."""
    now = timezone.now()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
    invitation.mailed_at = None
    invitation.token_hash = ""
    invitation.save()
    invitation.token_hash = token_digest(invitation_token(invitation))
    invitation.save(update_fields=["token_hash"])
    on_commit_task(MAIL_TASK, invitation_id=invitation.pk)


def _invitation_values(invitation: Invitation) -> dict:
    return {"email": invitation.email, "role": invitation.role, "expires_at": invitation.expires_at}


# --- What the invitee does ----------------------------------------------------------------------------------------


def invitee_has_password(invitation: Invitation) -> bool:
    """Whether the invitee already has an account with a password (they sign in to accept instead of setting one)."""
    user = User.objects.filter(email=invitation.email).first()
    return user is not None and user.has_usable_password()


@transaction.atomic
def accept_invitation(*, token: str, full_name: str = "", password: str | None = None) -> Membership:
    """Spend the link: create (or promote) the membership with the invited role and return it.

    A new invitee sets `full_name` and `password` here (the password validators apply); one who already has a
    password has proved it before this is called (the view signs them in) and passes none."""
    invitation = check_invitation(token=token, lock=True)
    user = get_or_create_user(email=invitation.email, full_name=full_name.strip())
    if not user.is_active:
        raise InvalidInvitation("This account is disabled on this platform.", status=400)
    if user.has_usable_password():
        if password is not None:
            raise ServiceError("This account has a password already: sign in with it to accept.")
    else:
        if password is None:
            raise ServiceError("Choose a password to accept the invitation.")
        password_validation.validate_password(password, user=user)
        user.set_password(password)
        user.full_name = full_name.strip() or user.full_name
        user.save(update_fields=["password", "full_name"])
    existing = Membership.objects.filter(user=user).first()
    if existing is not None and Role(existing.role).is_staff and not existing.is_active:
        raise InvalidInvitation("Your access to this help desk was removed. Ask an admin to reactivate you.")
    before = {"role": existing.role, "is_active": existing.is_active} if existing else {}
    actor = Automation(ACCEPTED, acting_for=invitation.invited_by)
    membership = add_member(user=user, role=invitation.role, actor=actor)
    invitation.accepted_at = timezone.now()
    invitation.accepted_membership = membership
    invitation.save(update_fields=["accepted_at", "accepted_membership"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED if existing else ConfigChange.Action.CREATED,
        target=membership,
        label=f"{user.get_full_name()} <{user.email}>",
        before=before,
        after={"role": membership.role, "is_active": True, "invitation": invitation.pk},
    )
    return membership


# --- The mail (a task, after commit) -------------------------------------------------------------------------------


def mail_invitation(*, invitation_id: int) -> bool:
    """Mail the newest link of a pending invitation once; False when there is nothing (more) to send."""
    invitation = Invitation.objects.select_related("invited_by__user", "tenant").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    if invitation.mailed_at is not None and invitation.mailed_at >= invitation.sent_at:
        return False
    tenant = invitation.tenant
    subject, body = compose_invitation(invitation, tenant)
    # Outside any transaction (a task): the SMTP conversation holds no lock.
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    Invitation.objects.filter(pk=invitation.pk, sent_at=invitation.sent_at).update(mailed_at=timezone.now())
    return True


def compose_invitation(invitation: Invitation, tenant: Tenant) -> tuple[str, str]:
    brand = tenant.brand_name
    inviter = invitation.invited_by.display_name if invitation.invited_by_id else "The Tessera platform"
    role = Role(invitation.role).label.lower()
    local = timezone.localtime(invitation.expires_at, timezone=zoneinfo.ZoneInfo(tenant.timezone))
    expires = local.strftime("%d %B %Y, %H:%M")
    subject = " ".join(f"[{brand}] You are invited to the help desk".split())
    body = (
        f"{inviter} invited you to join the help desk of {brand} as {'an' if role[0] in 'aeiou' else 'a'} {role}.\n\n"
        f"Open this link to set your password and sign in:\n{invitation_url(invitation, tenant)}\n\n"
        f"The link works once, until {expires} ({tenant.timezone}).\n"
        f"If you did not expect this invitation, ignore this mail.\n"
    )
    return subject, body
