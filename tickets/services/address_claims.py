"""Who may receive at and send as an email address: the platform's claims table (tenancy.AddressClaim).

An address belongs to one tenant. Addresses under a tenant's own host (<slug>.<BASE_DOMAIN>, its custom
domains, and their subdomains) are that tenant's alone: claimed by it they are verified at once, and no other
tenant can claim them; other addresses under BASE_DOMAIN belong to the platform and nobody claims them. Any
other address is claimed unverified and proves itself by a signed, expiring, single-use link mailed to it,
which an admin of the tenant opens on the tenant's host. Until then it neither receives (the mail pipe and the
intake take no mail for it) nor sends (customer mail goes out from the tenant's own address,
support@<slug>.<BASE_DOMAIN>).

Claims are platform rows, not tenant-owned: they are read and written here directly, filtered by tenant when a
tenant asks, and across tenants only to refuse a claim or to find the tenant of an incoming mail. A refusal
never says which tenant holds an address.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy.models import AddressClaim, Tenant, TenantDomain, normalize_email
from tickets.digests import matches_digest, secret_digest
from tickets.services.events import ServiceError

# The local part of the address every tenant has without asking: the From of its mail until another is verified.
OWN_LOCAL_PART = "support"
VERIFICATION_SALT = "tessera.support-address-verification"
VERIFICATION_LINK_MAX_AGE = timedelta(hours=48)

TAKEN = (
    "This address is not available: another help desk uses it, or it is under another help desk's own domain. "
    "If it is yours, ask the platform's operators."
)


class _Platform:
    def __repr__(self) -> str:
        return "PLATFORM"


PLATFORM = _Platform()  # the owner of addresses under BASE_DOMAIN that are no tenant's host


def own_address(tenant: Tenant) -> str:
    """support@<slug>.<BASE_DOMAIN>: the tenant's own address, which needs no claim and no verification."""
    return f"{OWN_LOCAL_PART}@{tenant.host}"


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def domain_owners(domains: Iterable[str]) -> dict[str, int | _Platform | None]:
    """Who owns each domain by its host: a tenant id, PLATFORM (other names under BASE_DOMAIN), or None (an
    outside domain, open to a verified claim). A subdomain belongs to the owner of its parent."""
    base = settings.BASE_DOMAIN.lower()
    owners: dict[str, int | _Platform | None] = {}
    slugs: dict[str, str] = {}
    outside: dict[str, list[str]] = {}
    for domain in set(domains):
        if domain == base:
            owners[domain] = PLATFORM
        elif domain.endswith(f".{base}"):
            slugs[domain] = domain.removesuffix(f".{base}").rpartition(".")[2]
        else:
            labels = domain.split(".")
            outside[domain] = [".".join(labels[i:]) for i in range(len(labels) - 1)]  # itself and its parents
    if slugs:
        by_slug = dict(Tenant.objects.filter(slug__in=set(slugs.values())).values_list("slug", "pk"))
        for domain, slug in slugs.items():
            owners[domain] = by_slug.get(slug, PLATFORM)
    if outside:
        candidates = {name for names in outside.values() for name in names}
        hosts = dict(TenantDomain.objects.filter(domain__in=candidates).values_list("domain", "tenant_id"))
        for domain, names in outside.items():
            owners[domain] = next((hosts[name] for name in names if name in hosts), None)  # the longest match
    return owners


# --- Claiming and releasing (in the caller's transaction) ----------------------------------------------------


def claim_address(*, tenant: Tenant, email: str) -> AddressClaim:
    """Claim an address for a tenant, in the caller's transaction; verified at once under the tenant's own host.
    Refused (without naming anyone) when another tenant holds it or owns its domain, or it is the platform's."""
    email = normalize_email(email)
    owner = domain_owners([domain_of(email)])[domain_of(email)]
    if owner is PLATFORM:
        raise ServiceError(
            f"Addresses under {settings.BASE_DOMAIN} belong to the platform, except those under your own "
            f"{tenant.host}. Use one of those, or an address at your own domain."
        )
    if owner is not None and owner != tenant.pk:
        raise ServiceError(TAKEN)
    held = AddressClaim.objects.filter(email=email).first()
    if held is not None:
        if held.tenant_id != tenant.pk:
            raise ServiceError(TAKEN)
        return held
    try:
        with transaction.atomic():  # a savepoint: the unique address settles a race with another tenant
            return AddressClaim.objects.create(
                tenant=tenant, email=email, verified_at=timezone.now() if owner == tenant.pk else None
            )
    except IntegrityError as clash:
        raise ServiceError(TAKEN) from clash


def release_address(*, tenant: Tenant, email: str) -> None:
    """Give an address back (its support address was removed): any tenant may claim it again."""
    AddressClaim.objects.filter(tenant=tenant, email=normalize_email(email)).delete()


def is_verified(*, tenant_id: int, email: str) -> bool:
    return AddressClaim.objects.filter(
        tenant_id=tenant_id, email=normalize_email(email), verified_at__isnull=False
    ).exists()


def verified_addresses(tenant_id: int) -> set[str]:
    """The addresses the tenant receives at: its verified claims and its own address."""
    tenant = Tenant.objects.get(pk=tenant_id)
    claimed = AddressClaim.objects.filter(tenant_id=tenant_id, verified_at__isnull=False)
    return {*claimed.values_list("email", flat=True), own_address(tenant)}


# --- Verification by signed link ------------------------------------------------------------------------------


def new_verification_link(*, tenant: Tenant, claim: AddressClaim) -> str:
    """A fresh link that verifies the claim: signed (tenant, claim, secret), expiring, on the tenant's host. Only
    the secret's SHA-256 is kept, and a new link replaces the older ones."""
    if claim.tenant_id != tenant.pk:
        raise ServiceError("This address is not one of this help desk's.")
    secret = secrets.token_urlsafe(24)
    claim.verification_token_hash = secret_digest(secret)
    claim.verification_sent_at = timezone.now()
    claim.save(update_fields=["verification_token_hash", "verification_sent_at"])
    token = signing.dumps({"t": tenant.pk, "c": claim.pk, "s": secret}, salt=VERIFICATION_SALT, compress=True)
    return tenant.url_for("desk:support_address_verify", token=token)


def read_verification_token(*, tenant: Tenant, token: str, for_update: bool = False) -> AddressClaim:
    """The claim a link verifies, if the link is genuine, unexpired, unused and for this tenant; a ServiceError
    saying which of these failed otherwise. `for_update` locks the claim, so two clicks spend the link once."""
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=VERIFICATION_LINK_MAX_AGE.total_seconds())
    except signing.SignatureExpired as expired:
        raise ServiceError("This verification link has expired: send a new one from Settings → Email.") from expired
    except signing.BadSignature as forged:
        raise ServiceError("This verification link is not valid.") from forged
    if not isinstance(payload, dict) or payload.get("t") != tenant.pk or not isinstance(payload.get("c"), int):
        raise ServiceError("This verification link is not for this help desk.")
    claims = AddressClaim.objects.filter(pk=payload["c"], tenant=tenant)
    claim = (claims.select_for_update() if for_update else claims).first()
    if claim is None:
        raise ServiceError("This address is no longer one of your support addresses.")
    if not matches_digest(str(payload.get("s", "")), claim.verification_token_hash):
        raise ServiceError("This verification link was already used, or a newer one was sent.")
    return claim


def mark_verified(*, claim: AddressClaim) -> AddressClaim:
    """Verify the claim and spend its link (the caller holds the row lock)."""
    claim.verified_at = claim.verified_at or timezone.now()
    claim.verification_token_hash = ""
    claim.save(update_fields=["verified_at", "verification_token_hash"])
    return claim


# --- Where incoming mail goes (platform code: the MTA pipe) -------------------------------------------------


@dataclass
class Recipients:
    """The active tenants some addresses deliver to, and the ones among them still waiting for verification."""

    tenant_ids: set[int] = field(default_factory=set)
    waiting: list[str] = field(default_factory=list)


def tenants_receiving(addresses: Iterable[str]) -> Recipients:
    """Which tenants receive mail sent to these addresses: a verified claim, or a tenant's own address
    (support@<slug>.<BASE_DOMAIN>, where its mail comes from until another is verified). An unverified claim,
    or a claim on a domain that has since become another tenant's host, receives nothing."""
    addresses = {normalize_email(a) for a in addresses if "@" in a}
    found = Recipients()
    if not addresses:
        return found
    owners = domain_owners(domain_of(a) for a in addresses)
    claims = AddressClaim.objects.filter(email__in=addresses, tenant__is_active=True)
    for claim in claims.only("email", "tenant_id", "verified_at"):
        owner = owners.get(domain_of(claim.email))
        if owner is PLATFORM or (owner is not None and owner != claim.tenant_id):
            continue
        if claim.verified_at is None:
            found.waiting.append(claim.email)
        else:
            found.tenant_ids.add(claim.tenant_id)
    base = settings.BASE_DOMAIN.lower()
    own = {
        address.removeprefix(f"{OWN_LOCAL_PART}@").removesuffix(f".{base}"): address
        for address in addresses
        if address.startswith(f"{OWN_LOCAL_PART}@") and domain_of(address).endswith(f".{base}")
    }
    if own:
        found.tenant_ids |= set(Tenant.objects.filter(slug__in=own, is_active=True).values_list("pk", flat=True))
    return found
