from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tickets.models import Contact, Organisation
from tickets.services.events import ServiceError


def get_or_create_contact(
    *, email: str = "", name: str = "", phone: str = "", organisation: Organisation | None = None
) -> Contact:
    """The contact with this email in the tenant in scope, or a new one (a phone-only contact needs a phone)."""
    email = check_contact_address(email=email, phone=phone)
    if email:
        contact = Contact.objects.filter(email=email).first()
        if contact is not None:
            return fill_contact_name(contact=contact, name=name)
    return Contact.objects.create(
        email=email or None, name=name.strip()[:200], phone=phone.strip()[:40], organisation=organisation
    )


def check_contact_address(*, email: str = "", phone: str = "") -> str:
    """get_or_create_contact's refusals, for a caller that must make them before it writes (the portal); the
    address as it is looked up."""
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ServiceError(f"“{email}” is not a valid email address.") from error
    elif not phone.strip():
        raise ServiceError("A contact needs an email address or a phone number.")
    return email


def fill_contact_name(*, contact: Contact, name: str) -> Contact:
    """Give a contact known only by its address (first seen in a mail's To or Cc) the name it later writes
    under; a name it already has is never replaced (an agent may have corrected it)."""
    name = " ".join(name.split())[:200]
    if name and not contact.name:
        contact.name = name
        contact.save(update_fields=["name"])
    return contact
