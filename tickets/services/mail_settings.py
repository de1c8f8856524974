"""A tenant admin's mail settings: support addresses, the wording of customer mail, the inbound endpoint's
secret. Admins only; every refusal is a ServiceError with a message for the admin. Each change is a settings
service of "tickets.email" and writes one audit row (the inbound secret only as a marker)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy import times
from tenancy.audit import HIDDEN, REPLACED, record_config_change, settings_service, snapshot
from tenancy.models import AddressClaim, ConfigChange, Membership, ensure_same_tenant, normalize_email
from tenancy.roles import Role
from tickets.digests import secret_digest
from tickets.lifecycle import CUSTOMER_WORDING, Status
from tickets.mail import composing
from tickets.models import EmailTemplate, MailSettings, OutboundEmail, Queue, SupportAddress
from tickets.services import address_claims, customer_mail
from tickets.services.events import Actor, ServiceError, require_role

MAX_ADDRESSES = 50
INBOUND_SECRET_BYTES = 32  # 256 bits
AREA = "tickets.email"
ADDRESS_FIELDS = ("email", "name", "queue", "is_default")
TEMPLATE_FIELDS = ("subject", "body_text", "body_html")


def require_admin(actor: Actor) -> Membership:
    return require_role(actor, Role.ADMIN, "Only admins can change the mail settings.")


# --- Support addresses --------------------------------------------------------------------------------------------


@settings_service(AREA)
def add_support_address(
    *, actor: Actor, email: str, name: str = "", queue: Queue | None = None, is_default: bool = False
) -> SupportAddress:
    """Add an address customers write to; the first one (or one marked default) becomes the From of mail.

    The address is claimed for the tenant in the same transaction (refused when another tenant holds it or owns
    its domain). One under the tenant's own host is verified at once; any other gets a verification link mailed
    to it, and neither receives nor sends until an admin opened it."""
    member = require_admin(actor)
    email, name = _clean_address(email, name)
    with transaction.atomic():
        ensure_same_tenant(actor, queue)
        if SupportAddress.objects.count() >= MAX_ADDRESSES:
            raise ServiceError(f"A help desk has at most {MAX_ADDRESSES} support addresses.")
        if SupportAddress.objects.filter(email=email).exists():
            raise ServiceError(f"{email} is already one of your support addresses.")
        claim = address_claims.claim_address(tenant=member.tenant, email=email)
        first = not SupportAddress.objects.exists()
        if is_default and not first:
            SupportAddress.objects.filter(is_default=True).update(is_default=False)
        try:
            with transaction.atomic():
                address = SupportAddress.objects.create(
                    email=email, name=name, queue=queue, is_default=is_default or first, created_at=timezone.now()
                )
        except IntegrityError as clash:  # a colleague added it at the same moment
            raise ServiceError(f"{email} is already one of your support addresses.") from clash
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.CREATED,
            target=address,
            after={**snapshot(address, ADDRESS_FIELDS), "verified": claim.is_verified},
        )
        if not claim.is_verified:
            _mail_verification_link(member, claim)
    return address


@settings_service(AREA)
def update_support_address(
    *, actor: Actor, address: SupportAddress, name: str, queue: Queue | None, is_default: bool
) -> SupportAddress:
    """Change an address's display name, the queue its mail lands in, and whether it is the default. The default
    can be moved to another address but not switched off: outgoing mail needs a From."""
    member = require_admin(actor)
    _, name = _clean_address(address.email, name)
    with transaction.atomic():
        ensure_same_tenant(actor, address, queue)
        # An address that lost its claim (to another tenant, in the claims migration) is not edited back to life.
        address_claims.claim_address(tenant=member.tenant, email=address.email)
        before = snapshot(address, ADDRESS_FIELDS)
        if is_default and not address.is_default:
            SupportAddress.objects.filter(is_default=True).update(is_default=False)
        address.name, address.queue = name, queue
        address.is_default = address.is_default or is_default
        address.save(update_fields=["name", "queue", "is_default"])
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.UPDATED,
            target=address,
            before=before,
            after=snapshot(address, ADDRESS_FIELDS),
        )
    return address


@settings_service(AREA)
def remove_support_address(*, actor: Actor, address: SupportAddress) -> None:
    """Remove an address and release its claim; when it was the default, the next one (alphabetically) takes
    over."""
    member = require_admin(actor)
    with transaction.atomic():
        ensure_same_tenant(actor, address)
        was_default, address_id, before = address.is_default, address.pk, snapshot(address, ADDRESS_FIELDS)
        address.delete()
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.DELETED,
            target=address,
            target_id=address_id,
            before=before,
        )
        address_claims.release_address(tenant=member.tenant, email=address.email)
        if was_default:
            successor = SupportAddress.objects.order_by("email").first()
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])


def send_address_verification(*, actor: Actor, address: SupportAddress) -> OutboundEmail:
    """Mail a new verification link to an address waiting for it (older links stop working). Claims it first
    when it holds no claim (refused when another tenant does)."""
    member = require_admin(actor)
    with transaction.atomic():
        ensure_same_tenant(actor, address)
        address_claims.claim_address(tenant=member.tenant, email=address.email)
        claim = AddressClaim.objects.select_for_update().get(tenant_id=member.tenant_id, email=address.email)
        if claim.is_verified:
            raise ServiceError(f"{address.email} is verified already.")
        return _mail_verification_link(member, claim)


@settings_service(AREA)
def verify_support_address(*, actor: Actor, token: str) -> AddressClaim:
    """Verify an address by the link mailed to it: an admin of the tenant it was sent for opens it on that
    tenant's host. The link works once, expires, and a newer one replaces it."""
    member = require_admin(actor)
    with transaction.atomic():
        claim = address_claims.read_verification_token(tenant=member.tenant, token=token, for_update=True)
        was_verified = claim.is_verified
        claim = address_claims.mark_verified(claim=claim)
        # The audit names the support address (the tenant's row); the claim is a platform directory row.
        address = SupportAddress.objects.filter(email=claim.email).first()
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.UPDATED,
            target=address,
            target_type="" if address else "tickets.supportaddress",
            label=claim.email,
            before={"verified": was_verified},
            after={"verified": True},
        )
        return claim


def _mail_verification_link(member: Membership, claim: AddressClaim) -> OutboundEmail:
    tenant = member.tenant
    link = address_claims.new_verification_link(tenant=tenant, claim=claim)
    outbound = customer_mail.send_address_verification(tenant=tenant, email=claim.email, link=link)
    if outbound is None:
        raise ServiceError(
            f"Several verification mails went to {claim.email} in the last hour: wait a while before sending another."
        )
    return outbound


def _clean_address(email: str, name: str) -> tuple[str, str]:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as invalid:
        raise ServiceError("Enter a valid email address, such as support@example.com.") from invalid
    name = " ".join(name.split())  # a display name goes into a header: one line
    if len(name) > 100:
        raise ServiceError("Keep the display name under 100 characters.")
    return email, name


# --- Templates ----------------------------------------------------------------------------------------------------


@settings_service(AREA)
def save_email_template(*, actor: Actor, kind: str, subject: str, body_text: str, body_html: str = "") -> EmailTemplate:
    """Store the tenant's wording of one kind of mail; placeholders outside the kind's whitelist are refused."""
    member = require_admin(actor)
    try:
        wording = composing.clean_wording(kind, subject=subject, body_text=body_text, body_html=body_html)
    except composing.TemplateError as refused:
        raise ServiceError(str(refused)) from refused
    with transaction.atomic():
        current = EmailTemplate.objects.select_for_update().filter(kind=kind).first()
        before = snapshot(current, TEMPLATE_FIELDS)
        template, created = EmailTemplate.objects.update_or_create(
            kind=kind,
            defaults={
                "subject": wording.subject,
                "body_text": wording.body_text,
                "body_html": wording.body_html,
                "updated_at": timezone.now(),
                "updated_by": member,
            },
        )
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.CREATED if created else ConfigChange.Action.UPDATED,
            target=template,
            label=f"{template.get_kind_display()} mail",
            before=before,
            after=snapshot(template, TEMPLATE_FIELDS),
        )
    return template


@settings_service(AREA)
def reset_email_template(*, actor: Actor, kind: str) -> None:
    """Go back to the built-in wording of one kind of mail (already there: nothing changes, nothing recorded)."""
    member = require_admin(actor)
    with transaction.atomic():
        template = EmailTemplate.objects.select_for_update().filter(kind=kind).first()
        if template is None:
            return
        template_id, before = template.pk, snapshot(template, TEMPLATE_FIELDS)
        template.delete()
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.DELETED,
            target=template,
            target_id=template_id,
            label=f"{template.get_kind_display()} mail",
            before=before,
        )


# The status the sample request of a preview is in, so "what happens next" reads right for the kind.
PREVIEW_STATUS = {"acknowledgement": Status.NEW, "reply": Status.OPEN, "resolved": Status.RESOLVED}


def preview_email(*, tenant, kind: str, wording: composing.Wording) -> composing.Composed:
    """Fill a wording with a made-up ticket, so an admin sees the mail before any customer does."""
    label, next_step = CUSTOMER_WORDING[PREVIEW_STATUS.get(kind, Status.PENDING)]
    reference = tenant.format_ticket_number(1042)
    base = tenant.url("/")
    values = {
        "contact.name": "Pat Example",
        "contact.first_name": "Pat",
        "ticket.reference": reference,
        "ticket.number": reference,
        "ticket.subject": "The printer on the third floor is on fire",
        "ticket.url": f"{base}requests/1042/",
        # The customer's zone is the tenant's (tickets.services.customer_mail.writing._ticket_values).
        "ticket.created": times.exact_label(timezone.now(), times.zone_for(tenant=tenant)),
        "status": label,
        "next_step": next_step,
        "brand.name": tenant.brand_name,
        "agent.name": "Alex Agent",
        "message.body": "Hello Pat,\n\nWe have sent a technician; they will be with you within the hour.",
        "rating.url": f"{base}rate/sample/",
        "sign_in.url": f"{base}sign-in/sample/",
        "reset.url": f"{base}accounts/password/reset/sample/",
        "email": "pat@example.com",
        "user.name": "Pat Example",
        **{f"rating.url_{score}": f"{base}rate/sample/?score={score}" for score in range(1, 6)},
    }
    html_values = {
        **values,
        "message.body": "<p>Hello Pat,</p><p>We have sent a technician; they will be with you within the hour.</p>",
    }
    return composing.compose(tenant=tenant, kind=kind, wording=wording, text_values=values, html_values=html_values)


# --- The inbound endpoint's secret ----------------------------------------------------------------------------------


@settings_service(AREA)
def rotate_inbound_secret(*, actor: Actor) -> str:
    """Make a new secret for the inbound mail endpoint and return it, to be shown once: only its SHA-256 is
    kept, and the old secret stops working at once. The audit says it was replaced, never what it is."""
    member = require_admin(actor)
    secret = secrets.token_urlsafe(INBOUND_SECRET_BYTES)
    with transaction.atomic():
        had_secret = MailSettings.objects.exclude(inbound_secret_hash="").exists()
        mail_settings, _ = MailSettings.objects.update_or_create(
            defaults={
                "inbound_secret_hash": secret_digest(secret),
                "inbound_secret_hint": secret[-4:],
                "updated_at": timezone.now(),
            },
        )
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.UPDATED,
            target=mail_settings,
            label="Inbound mail endpoint",
            before={"inbound_secret": HIDDEN if had_secret else ""},
            after={"inbound_secret": REPLACED},
        )
    return secret
