"""`manage.py ingest_email [PATH] [--tenant slug] [--dry-run]`: mail into the intake.

Without PATH, one message from standard input, for an MTA pipe (Postfix `pipe`, an alias `|manage.py
ingest_email`): without --tenant, the tenant is the one whose support address the mail was sent to (To, Cc,
Delivered-To, X-Original-To), found in the platform's claims table: a verified claim, or the tenant's own
support@<slug>.<BASE_DOMAIN>. An unknown, unverified or ambiguous recipient is refused with a message and a
non-zero exit, so the MTA bounces it instead of it going missing.
A message that was received but could not become a ticket exits 0: it is kept and shown to the tenant.

With PATH, an mbox file or a Maildir folder is imported as history: each message lands at its own date, no
mail goes out, no per-sender cap applies, no SLA clock starts (tickets.mail.intake). A message the command
cannot place (no tenant, too large) is counted and skipped; a progress line goes to standard error, and a
summary ends the run (new, appended, duplicates, held, refused by reason).

--dry-run says what each message would become (sender, name, subject, body excerpt, attachments, outcome)
and writes nothing: check a mailbox export before connecting it.
"""

from __future__ import annotations

import mailbox
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tenancy.context import tenant_context
from tenancy.models import Tenant
from tickets.mail.intake import MAX_MESSAGE_BYTES as MAX_INBOUND_BYTES
from tickets.mail.intake import ingest, preview, what_happened
from tickets.mail.parsing import ParsedEmail, is_forwarded, parse_email, trim_quoted
from tickets.models import InboundEmail
from tickets.services import address_claims

ENVELOPE_HEADERS = ("delivered-to", "x-original-to")
PROGRESS_EVERY = 100  # messages, or every few seconds, whichever comes first
PROGRESS_SECONDS = 5
EXCERPT_CHARS = 160


class Command(BaseCommand):
    help = "Feed mail to the email intake: one message on standard input, or an mbox file or Maildir as history."
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="An mbox file or a Maildir folder (default: one message on stdin).")
        parser.add_argument("--tenant", help="The tenant's slug; by default, found from the support address.")
        parser.add_argument("--dry-run", action="store_true", help="Say what each message would become; store nothing.")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        slug = options.get("tenant")
        if not options.get("path"):
            raw = self._stdin(options)
            tenant = self._tenant(slug, raw)
            outcome = self._one(raw, tenant, source=InboundEmail.Source.COMMAND, dry_run=dry_run, number=None)
            if not dry_run:
                self.stdout.write(outcome)
            return
        self._import(Path(options["path"]), slug, dry_run)

    # --- one message ------------------------------------------------------------------------------------------

    def _stdin(self, options) -> bytes:
        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read(MAX_INBOUND_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw.strip():
            raise CommandError("No message on standard input.")
        if len(raw) > MAX_INBOUND_BYTES:
            raise CommandError(f"The message is larger than {MAX_INBOUND_BYTES // (1024 * 1024)} MB.")
        return raw

    def _one(self, raw: bytes, tenant: Tenant, *, source: str, dry_run: bool, number: int | None) -> str:
        """Ingest (or preview) one message; return the one word for what happened, after writing its line."""
        with tenant_context(tenant):
            if dry_run:
                with transaction.atomic():
                    seen = preview(raw, source=source)
                    transaction.set_rollback(True)  # preview only reads; this makes sure of it
                self._describe(tenant, seen.parsed, seen.outcome, seen.reason, seen.refused_attachments, number)
                return seen.outcome
            inbound = ingest(raw, source=source)
        word = what_happened(inbound)
        if number is None:
            if word == "duplicate":
                return (
                    f"{tenant.slug}: email #{inbound.pk} duplicate: the same message was received before "
                    f"({inbound.get_outcome_display().lower()}: {inbound.reason}); nothing new."
                )
            return f"{tenant.slug}: email #{inbound.pk} {word}. {inbound.reason}".rstrip()
        self._last_reason = inbound.reason
        return word

    def _describe(
        self, tenant: Tenant, parsed: ParsedEmail, outcome: str, reason: str, refused: tuple, number: int | None
    ) -> None:
        label = f"#{number} " if number is not None else ""
        sender = parsed.from_address or "(no sender)"
        if parsed.from_fallback:
            sender += f" (from {parsed.from_fallback})"
        # What the ticket would show: the new part of a reply (a forward is kept whole).
        text = parsed.text if is_forwarded(parsed.subject, parsed.text) else trim_quoted(parsed.text)
        excerpt = " ".join(text.split())
        excerpt = excerpt[:EXCERPT_CHARS] + ("…" if len(excerpt) > EXCERPT_CHARS else "")
        attachments = ", ".join(
            f"{a.name} ({a.content_type}, {len(a.content)} bytes{', not taken' if a.name in refused else ''})"
            for a in parsed.attachments
        )
        when = parsed.date.isoformat() if parsed.date else "no date"
        name = f" “{parsed.from_name}”" if parsed.from_name else ""
        self.stdout.write(f"{label}{tenant.slug}: {sender}{name} — {parsed.subject or '(no subject)'}")
        self.stdout.write(f"    date: {when}; body: {excerpt or '(no text)'}")
        self.stdout.write(f"    attachments: {attachments or 'none'}")
        if parsed.defects:
            self.stdout.write(f"    defects: {'; '.join(parsed.defects)[:300]}")
        self.stdout.write(f"    → {outcome}: {reason}".rstrip(": "))
        self._last_reason = reason

    # --- a mailbox --------------------------------------------------------------------------------------------

    def _import(self, path: Path, slug: str | None, dry_run: bool) -> None:
        messages, total = _open_mailbox(path)
        fixed = self._tenant_by_slug(slug) if slug else None
        counts: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        started = last_progress = time.monotonic()
        number = 0
        for number, raw in enumerate(messages, start=1):
            self._last_reason = ""
            try:
                if len(raw) > MAX_INBOUND_BYTES:
                    raise CommandError(f"larger than {MAX_INBOUND_BYTES // (1024 * 1024)} MB")
                tenant = fixed or self._tenant(None, raw)
                word = self._one(raw, tenant, source=InboundEmail.Source.IMPORT, dry_run=dry_run, number=number)
            except CommandError as error:
                word = "refused"
                refused[_reason_key(str(error))] += 1
                self.stdout.write(f"#{number} refused: {error}")
            else:
                if word not in ("new", "appended", "duplicate", "held"):
                    refused[f"{word}: {_reason_key(self._last_reason)}"] += 1
                    word = "refused"
            counts[word] += 1
            now = time.monotonic()
            if number % PROGRESS_EVERY == 0 or now - last_progress >= PROGRESS_SECONDS:
                last_progress = now
                self.stderr.write(f"… {number}/{total} messages ({now - started:.0f} s)")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Summary: {number} messages {verb} read — new {counts['new']}, appended {counts['appended']}, "
            f"duplicates {counts['duplicate']}, held {counts['held']}, refused {counts['refused']}."
        )
        for reason, count in refused.most_common():
            self.stdout.write(f"    refused {count}: {reason}")
        if dry_run:
            self.stdout.write("Dry run: nothing was stored and no mail was sent.")

    # --- the tenant -------------------------------------------------------------------------------------------

    def _tenant_by_slug(self, slug: str) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug, is_active=True).first()
        if tenant is None:
            raise CommandError(f"No active tenant “{slug}”.")
        return tenant

    def _tenant(self, slug: str | None, raw: bytes) -> Tenant:
        if slug:
            return self._tenant_by_slug(slug)
        parsed = parse_email(raw)
        envelope = [parsed.headers.get(name, "").strip().strip("<>").lower() for name in ENVELOPE_HEADERS]
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


def _open_mailbox(path: Path) -> tuple[Iterator[bytes], int]:
    """The raw messages of a Maildir folder (cur/ and new/) or an mbox file, and how many there are."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise CommandError(f"{path} is a folder but not a Maildir (it has no cur/ and new/).")
        box = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        with path.open("rb") as handle:
            if handle.read(5) != b"From ":
                raise CommandError(f"{path} is not an mbox file (it does not start with a “From ” line).")
        box = mailbox.mbox(path, factory=None, create=False)
    else:
        raise CommandError(f"No such file or folder: {path}")
    try:
        keys = sorted(box.keys()) if isinstance(box, mailbox.Maildir) else list(box.keys())
    except (OSError, mailbox.Error) as error:
        raise CommandError(f"{path} could not be read: {error}") from error

    def messages() -> Iterator[bytes]:
        for key in keys:
            try:
                yield box.get_bytes(key)
            except (OSError, KeyError, mailbox.Error):
                yield b""  # counted as refused (an empty message names no recipient)

    return messages(), len(keys)


def _reason_key(reason: str) -> str:
    """A reason without what differs per message (ticket references, addresses, numbers), to count by."""
    reason = re.sub(r"\b[A-Z][A-Z0-9]*-\d+\b", "<ticket>", reason or "no reason given")
    reason = re.sub(r"[\w.+-]+@[\w.-]+", "<address>", reason)
    reason = re.sub(r"#\d+", "#…", reason)
    return reason.split(": ", 1)[0][:120] if len(reason) > 120 else reason
