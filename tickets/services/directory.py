"""Contacts and organisations managed by supervisors and admins (the API's contacts and organisations).

Contacts have no audit trail of their own (TicketEvent is per ticket); what is checked here is what the
database would otherwise refuse with an IntegrityError: one contact per email and one organisation per name in
a tenant, and no reference to another tenant's organisation.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from tenancy.models import Membership, ensure_same_tenant
from tenancy.roles import Role
from tickets.models import Contact, Organisation
from tickets.services.events import ServiceError, require_role

UNSET = object()


def _require_manager(actor: Membership) -> None:
    require_role(actor, Role.SUPERVISOR, "Only supervisors and admins can change contacts and organisations.")


def _clean_email(email: str | None, *, exclude: int | None = None) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError as error:
        raise ServiceError(f"“{email}” is not a valid email address.") from error
    if Contact.objects.filter(email=email).exclude(pk=exclude).exists():
        raise ServiceError(f"There is already a contact with the email {email}.")
    return email


def create_contact(
    *,
    actor: Membership,
    email: str = "",
    name: str = "",
    phone: str = "",
    organisation: Organisation | None = None,
    tier: str = Contact.Tier.STANDARD,
    language: str = "",
    manages_organisation: bool = False,
) -> Contact:
    """Add a requester; a contact needs an email address or a phone number."""
    _require_manager(actor)
    ensure_same_tenant(actor, organisation)
    email = _clean_email(email)
    if not email and not phone.strip():
        raise ServiceError("A contact needs an email address or a phone number.")
    if tier not in Contact.Tier.values:
        raise ServiceError(f"Unknown tier “{tier}”.")
    if manages_organisation and organisation is None:
        raise ServiceError("Only a contact with an organisation can manage it.")
    return Contact.objects.create(
        email=email,
        name=name.strip()[:200],
        phone=phone.strip()[:40],
        organisation=organisation,
        tier=tier,
        language=language.strip()[:10],
        manages_organisation=manages_organisation,
    )


def update_contact(*, actor: Membership, contact: Contact, **changes) -> Contact:
    """Change the given fields of a contact (email, name, phone, organisation, tier, language,
    manages_organisation); fields not given stay as they are."""
    _require_manager(actor)
    unknown = set(changes) - {"email", "name", "phone", "organisation", "tier", "language", "manages_organisation"}
    if unknown:
        raise ServiceError(f"Cannot change {', '.join(sorted(unknown))}.")
    if "organisation" in changes:
        ensure_same_tenant(contact, changes["organisation"])
    if "email" in changes:
        changes["email"] = _clean_email(changes["email"], exclude=contact.pk)
    for field, limit in (("name", 200), ("phone", 40), ("language", 10)):
        if field in changes:
            changes[field] = (changes[field] or "").strip()[:limit]
    if "tier" in changes and changes["tier"] not in Contact.Tier.values:
        raise ServiceError(f"Unknown tier “{changes['tier']}”.")
    for field, value in changes.items():
        setattr(contact, field, value)
    if not contact.email and not contact.phone:
        raise ServiceError("A contact needs an email address or a phone number.")
    if contact.manages_organisation and contact.organisation_id is None:
        raise ServiceError("Only a contact with an organisation can manage it.")
    if changes:
        contact.save(update_fields=list(changes))
    return contact


def _clean_organisation_name(name: str, *, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ServiceError("An organisation needs a name.")
    taken = Organisation.objects.annotate(lname=Lower("name")).filter(lname=name.lower()).exclude(pk=exclude)
    if taken.exists():
        raise ServiceError(f"There is already an organisation called “{name}”.")
    return name


def create_organisation(*, actor: Membership, name: str, domain: str = "") -> Organisation:
    _require_manager(actor)
    return Organisation.objects.create(name=_clean_organisation_name(name), domain=domain.strip().lower()[:253])


def update_organisation(*, actor: Membership, organisation: Organisation, **changes) -> Organisation:
    """Change the name and/or the mail domain of an organisation."""
    _require_manager(actor)
    unknown = set(changes) - {"name", "domain"}
    if unknown:
        raise ServiceError(f"Cannot change {', '.join(sorted(unknown))}.")
    if "name" in changes:
        organisation.name = _clean_organisation_name(changes["name"], exclude=organisation.pk)
    if "domain" in changes:
        organisation.domain = (changes["domain"] or "").strip().lower()[:253]
    if changes:
        organisation.save(update_fields=list(changes))
    return organisation
