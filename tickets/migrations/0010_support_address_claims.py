"""Every support address gets its claim in the platform's table (tenancy.AddressClaim): one tenant per address.

Before this, an address was unique per tenant only, so one tenant could register another's address. How the
existing rows are resolved (`claim_existing_addresses`, run once, as the owner role that bypasses row security):

- An address under a tenant's own host (<slug>.<BASE_DOMAIN>, one of its custom domains, or a subdomain of
  either) is claimed, verified, by that tenant if it registered it; no other tenant's row for it gets a claim.
- An address under BASE_DOMAIN that is no tenant's host is the platform's: nobody's row gets a claim.
- Any other address registered by one tenant only is claimed by it, verified: it was in service before
  verification existed, and nobody else wanted it.
- Any other address registered by several tenants (the takeover this closes) is claimed by the oldest
  registration (created_at, then id), unverified: before it receives or sends again an admin of that tenant
  opens the verification link (Settings → Email → Resend link). The mail pipe refused mail to such an address
  as ambiguous already, so nothing that worked stops. The later registrations get no claim.

A support address left without a claim stays in place, shown as "Not available" on its tenant's settings page:
it receives nothing (the pipe and the intake go by verified claims only) and sends nothing (that tenant's mail
comes from its own support@<slug>.<BASE_DOMAIN>); its admin removes it. Each one is reported on standard output
while the migration runs. Backwards, the claims go with their table (tenancy 0005).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

KINDS = [
    ("acknowledgement", "Acknowledgement"),
    ("reply", "Agent reply"),
    ("status", "Status change"),
    ("resolved", "Resolved, with satisfaction survey"),
    ("sign_in", "Portal sign-in link"),
    ("password_reset", "Password reset"),
    ("address_verification", "Support address verification"),
]
PLATFORM = "platform"  # the owner of names under BASE_DOMAIN that are no tenant's host


@dataclass(frozen=True)
class Registration:
    address_id: int
    tenant_id: int
    email: str
    created_at: datetime


@dataclass(frozen=True)
class Claim:
    tenant_id: int
    email: str
    verified: bool


@dataclass(frozen=True)
class Unclaimed:
    registration: Registration
    reason: str


def plan_claims(registrations: list[Registration], owners: dict[str, int | str | None]):
    """Decide, for every registered address, which tenant's claim it becomes (see the module's docstring);
    `owners` maps each domain to the tenant id whose host it is under, PLATFORM, or None."""
    claims: list[Claim] = []
    unclaimed: list[Unclaimed] = []
    by_email: dict[str, list[Registration]] = {}
    for registration in sorted(registrations, key=lambda r: (r.created_at, r.address_id)):
        by_email.setdefault(registration.email, []).append(registration)
    for email, rows in sorted(by_email.items()):
        owner = owners.get(email.rpartition("@")[2])
        if owner == PLATFORM:
            unclaimed += [Unclaimed(row, f"under {settings.BASE_DOMAIN}, the platform's domain") for row in rows]
        elif owner is not None:
            if any(row.tenant_id == owner for row in rows):
                claims.append(Claim(owner, email, verified=True))
            reason = "under another help desk's own domain"
            unclaimed += [Unclaimed(row, reason) for row in rows if row.tenant_id != owner]
        elif len(rows) == 1:
            claims.append(Claim(rows[0].tenant_id, email, verified=True))
        else:
            oldest, *later = rows
            claims.append(Claim(oldest.tenant_id, email, verified=False))
            unclaimed += [Unclaimed(row, "registered earlier by another help desk") for row in later]
    return claims, unclaimed


def _owners(apps, domains: set[str]) -> dict[str, int | str | None]:
    Tenant = apps.get_model("tenancy", "Tenant")
    TenantDomain = apps.get_model("tenancy", "TenantDomain")
    base = settings.BASE_DOMAIN.lower()
    slugs = dict(Tenant._default_manager.values_list("slug", "pk"))
    hosts = dict(TenantDomain._default_manager.values_list("domain", "tenant_id"))
    owners: dict[str, int | str | None] = {}
    for domain in domains:
        if domain == base or domain.endswith(f".{base}"):
            slug = domain.removesuffix(f".{base}").rpartition(".")[2]
            owners[domain] = slugs.get(slug, PLATFORM) if domain != base else PLATFORM
        else:
            labels = domain.split(".")
            parents = [".".join(labels[i:]) for i in range(len(labels) - 1)]
            owners[domain] = next((hosts[name] for name in parents if name in hosts), None)
    return owners


def claim_existing_addresses(apps, schema_editor) -> list[str]:
    """Claim every existing support address (see the module's docstring); return and print what got none."""
    SupportAddress = apps.get_model("tickets", "SupportAddress")
    AddressClaim = apps.get_model("tenancy", "AddressClaim")
    Tenant = apps.get_model("tenancy", "Tenant")
    registrations = [
        Registration(pk, tenant_id, email.strip().lower(), created_at)
        for pk, tenant_id, email, created_at in SupportAddress._default_manager.values_list(
            "pk", "tenant_id", "email", "created_at"
        )
    ]
    owners = _owners(apps, {r.email.rpartition("@")[2] for r in registrations})
    claims, unclaimed = plan_claims(registrations, owners)
    now = timezone.now()
    AddressClaim._default_manager.bulk_create(
        [AddressClaim(tenant_id=c.tenant_id, email=c.email, verified_at=now if c.verified else None) for c in claims]
    )
    slugs = dict(Tenant._default_manager.values_list("pk", "slug"))
    report = [
        f"support address #{u.registration.address_id} {u.registration.email} of tenant "
        f"{slugs.get(u.registration.tenant_id)}: no claim ({u.reason}); it neither receives nor sends"
        for u in unclaimed
    ]
    report += [
        f"support address {c.email}: kept by tenant {slugs.get(c.tenant_id)} (the oldest of several), unverified"
        for c in claims
        if not c.verified
    ]
    for line in report:
        sys.stdout.write(f"\n  {line}")
    return report


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_secrets_at_rest"), ("tenancy", "0005_address_claims")]

    operations = [
        migrations.AlterField(
            model_name="emailtemplate",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20),
        ),
        migrations.RunPython(claim_existing_addresses, migrations.RunPython.noop),
    ]
