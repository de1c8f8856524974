"""Passwordless portal sign-in: a link mailed to a contact's address, good once, for thirty minutes.

The token is 256 random bits; only its SHA-256 is stored, so the table leaks nothing usable and a lookup by
hash is the constant-time comparison. A link is mailed only to an address that is already a contact of this
tenant, and the caller answers the same either way, so the form does not reveal who is a customer. The first
sign-in creates the person's user (without a usable password) and customer membership and links the contact.

A link only ever starts a customer session. Staff of this tenant (agent, supervisor, admin) who are also
contacts (they filed a portal request, or mail in) are mailed no link, and a link issued to their address
signs nothing in: desk access needs the password and the sign-in throttle.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tenancy.actors import Automation
from tenancy.models import Membership, Tenant, normalize_email
from tenancy.roles import STAFF_ROLES, Role
from tenancy.services import add_member, get_or_create_user
from tickets import clock
from tickets.digests import secret_digest
from tickets.models import Contact, PortalSignInToken
from tickets.services.events import ServiceError

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits
# Who makes a customer a member on their first sign-in by link.
PORTAL_SIGN_IN = Automation("portal sign-in")
LINK_MINUTES = 30
# Links mailed to one address per hour, whatever the IP: the form cannot be used to flood someone's inbox.
LINKS_PER_ADDRESS_PER_HOUR = 5


class InvalidSignInLink(ServiceError):
    """A sign-in link that is unknown here (mistyped, or another help desk's), used, or expired."""


def request_sign_in_link(*, tenant: Tenant, email: str, ip: str = "", next_path: str = "") -> PortalSignInToken | None:
    """Mail a sign-in link to `email` if it is a contact of `tenant` (the tenant in scope) and it has not had
    too many links this hour; return the token row, or None when nothing was sent. Callers must answer the
    same in both cases. `next_path`: a page of this host to land on after signing in (a path, checked again
    when the link is used)."""
    from tickets.services.customer_mail import send_sign_in_link

    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise ServiceError("Enter a valid email address.") from error
    now = clock.now()
    with transaction.atomic():
        if not Contact.objects.filter(email=email).exists():
            return None
        if _is_staff_address(email):
            logger.info("No sign-in link for a staff address (tenant %s): staff sign in with their password", tenant.pk)
            return None
        recent = PortalSignInToken.objects.filter(email=email, created_at__gte=now - timedelta(hours=1)).count()
        if recent >= LINKS_PER_ADDRESS_PER_HOUR:
            logger.warning("Sign-in links to one address over the hourly limit (tenant %s, ip %s)", tenant.pk, ip)
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        row = PortalSignInToken.objects.create(
            email=email,
            token_hash=secret_digest(token),
            created_at=now,
            expires_at=now + timedelta(minutes=LINK_MINUTES),
        )
        link = sign_in_url(tenant=tenant, token=token, next_path=next_path)
        send_sign_in_link(tenant=tenant, email=email, link=link)
    return row


def is_local_path(path: str) -> bool:
    """A path on this host ("/requests/301/"): not a scheme, another host ("//evil.example") or a backslash
    trick that browsers read as one."""
    return (
        path.startswith("/")
        and not path.startswith(("//", "/\\"))
        and "\\" not in path
        and not any(ord(c) < 32 for c in path)
        and len(path) <= 500
    )


def sign_in_url(*, tenant: Tenant, token: str, next_path: str = "") -> str:
    query = urlencode({"next": next_path}) if next_path and is_local_path(next_path) else ""
    return tenant.url_for("portal:sign_in_link", token, query=query)


def check_sign_in_token(*, token: str) -> PortalSignInToken:
    """The unused, unexpired token row of this tenant for `token` (read only: the page a mail scanner may
    fetch must not spend the link); else InvalidSignInLink saying why."""
    return _usable(PortalSignInToken.objects.filter(token_hash=secret_digest(token)).first())


def _usable(row: PortalSignInToken | None) -> PortalSignInToken:
    if row is None:
        raise InvalidSignInLink("This sign-in link is not valid here. Check that you opened the whole link.")
    if row.used_at is not None:
        raise InvalidSignInLink("This sign-in link has already been used. Each link works once.")
    if row.expires_at <= clock.now():
        raise InvalidSignInLink(f"This sign-in link has expired. Links work for {LINK_MINUTES} minutes.")
    if _is_staff_address(row.email):
        raise InvalidSignInLink("This address belongs to a staff account here: sign in with your password.")
    return row


def _is_staff_address(email: str) -> bool:
    """Whether `email` is a staff member of the tenant in scope, active or not (a removed agent's address
    is no customer's either)."""
    return Membership.objects.filter(user__email=email, role__in=STAFF_ROLES).exists()


def sign_in_with_token(*, token: str) -> Membership:
    """Spend the link and return the membership to sign in: on the first sign-in, create the user (no usable
    password) and a customer membership, and link it to the contact with the link's address."""
    now = clock.now()
    with transaction.atomic():
        row = _usable(PortalSignInToken.objects.select_for_update().filter(token_hash=secret_digest(token)).first())
        row.used_at = now
        row.save(update_fields=["used_at"])
        contact = Contact.objects.select_for_update().filter(email=row.email).first()
        if contact is None:
            raise InvalidSignInLink("This address is no longer known to this help desk.")
        user = get_or_create_user(email=row.email, full_name=contact.name)
        if not user.is_active:
            raise InvalidSignInLink("This account is disabled.")
        membership = Membership.objects.filter(user=user).first()
        if membership is None:
            membership = add_member(user=user, role=Role.CUSTOMER, actor=PORTAL_SIGN_IN)
        elif not membership.is_active:
            raise InvalidSignInLink("Your access to this help desk has been removed.")
        elif membership.role != Role.CUSTOMER:
            # Checked in _usable too; here again under the row lock, against the membership actually signed in.
            raise InvalidSignInLink("This address belongs to a staff account here: sign in with your password.")
        if contact.membership_id is None and not Contact.objects.filter(membership=membership).exists():
            contact.membership = membership
            contact.save(update_fields=["membership"])
    return membership
