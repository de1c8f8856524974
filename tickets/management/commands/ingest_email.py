"""`manage.py ingest_email [--tenant slug] < message.eml`: one message from standard input into the intake.

For an MTA pipe (Postfix `pipe`, an alias `|manage.py ingest_email`): without --tenant, the tenant is the one
whose support address the mail was sent to (To, Cc, Delivered-To, X-Original-To), found in the platform's
claims table: a verified claim, or the tenant's own support@<slug>.<BASE_DOMAIN>. An unknown, unverified or
ambiguous recipient is refused with a message and a non-zero exit, so the MTA bounces it instead of it going
missing.
A message that was received but could not become a ticket exits 0: it is kept and shown to the tenant.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from tenancy.context import tenant_context
from tenancy.models import Tenant
from tickets.mail.intake import MAX_MESSAGE_BYTES as MAX_INBOUND_BYTES
from tickets.mail.intake import ingest
from tickets.mail.parsing import parse_email
from tickets.models import InboundEmail
from tickets.services import address_claims

ENVELOPE_HEADERS = ("delivered-to", "x-original-to")


class Command(BaseCommand):
    help = "Read one email (RFC 822) from standard input and feed it to the email intake."
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="The tenant's slug; by default, found from the support address.")

    def handle(self, *args, **options) -> None:
        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read(MAX_INBOUND_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw.strip():
            raise CommandError("No message on standard input.")
        if len(raw) > MAX_INBOUND_BYTES:
            raise CommandError(f"The message is larger than {MAX_INBOUND_BYTES // (1024 * 1024)} MB.")
        tenant = self._tenant(options.get("tenant"), raw)
        with tenant_context(tenant):
            inbound = ingest(raw, source=InboundEmail.Source.COMMAND)
        self.stdout.write(f"{tenant.slug}: email #{inbound.pk} {inbound.outcome}. {inbound.reason}".rstrip())

    def _tenant(self, slug: str | None, raw: bytes) -> Tenant:
        if slug:
            tenant = Tenant.objects.filter(slug=slug, is_active=True).first()
            if tenant is None:
                raise CommandError(f"No active tenant “{slug}”.")
            return tenant
        parsed = parse_email(raw)
        envelope = [
            parsed.headers.get(name, "").strip().strip("<>").lower() for name in ("delivered-to", "x-original-to")
        ]
        addresses = {a for a in [*parsed.recipients, *envelope] if "@" in a}
        addresses |= {f"{a.partition('@')[0].split('+', 1)[0]}@{a.partition('@')[2]}" for a in addresses}
        if not addresses:
            raise CommandError("The message names no recipient; say which tenant with --tenant.")
        # Platform code: the claims table is the platform's, so any tenant's address is found without unscoped().
        found = address_claims.tenants_receiving(addresses)
        tenant_ids = found.tenant_ids
        if not tenant_ids and found.waiting:
            raise CommandError(
                f"{', '.join(sorted(found.waiting))}: a support address not verified yet by its help desk, "
                "so it receives no mail."
            )
        if not tenant_ids:
            raise CommandError(f"No tenant has a support address among: {', '.join(sorted(addresses))}.")
        if len(tenant_ids) > 1:
            raise CommandError("The recipients are support addresses of more than one tenant; use --tenant.")
        return Tenant.objects.get(pk=tenant_ids.pop())
