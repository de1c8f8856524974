"""Uploads: size limit per tenant, type detected from the bytes (never the name or the browser's word)."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.core.files.base import ContentFile

from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership, Tenant
from tenancy.roles import Role
from tickets.models import Attachment, Message, Ticket
from tickets.services.events import ServiceError, require_role

# The kinds of file a tenant can accept, each a set of types detected from the bytes. The platform accepts
# nothing outside them; a tenant admin may narrow them (Tenant.allowed_attachment_kinds, empty = all).
ATTACHMENT_KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "images": ("Images (PNG, JPEG, GIF, WebP)", frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})),
    "pdf": ("PDF", frozenset({"application/pdf"})),
    "office": ("Office documents (Word, Excel, PowerPoint, OpenDocument, RTF)", frozenset({
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/msword", "application/vnd.ms-excel", "application/rtf",
    })),
    "text": ("Plain text and logs", frozenset({"text/plain"})),
    "archives": ("Archives (zip, gzip, 7z)", frozenset({"application/zip", "application/gzip",
                                                       "application/x-7z-compressed"})),
    "email": ("Email messages (.eml)", frozenset({"message/rfc822"})),
}  # fmt: skip
ALLOWED_TYPES = frozenset().union(*(types for _, types in ATTACHMENT_KINDS.values()))
# Shown inline in the browser; everything else is downloaded, sandboxed.
SAFE_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_FILES_PER_MESSAGE = 10


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def detect_content_type(content: bytes) -> str | None:
    kind = filetype.guess(content[:8192])
    if kind is not None:
        return kind.mime
    sample = content[:8192]
    if looks_like_email(sample):
        return "message/rfc822"  # 8-bit bodies in any charset included: a mail is not text in one charset
    if b"\x00" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        if error.start < len(sample) - 4:
            return None
    return "text/plain"


# Header fields an RFC 5322 message starts with; one of the first three must be there.
_MAIL_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_MAIL_HEADERS = frozenset({b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
                           b"mime-version", b"content-type", b"reply-to", b"sender", b"delivered-to", b"in-reply-to",
                           b"references", b"dkim-signature", b"authentication-results", b"x-mailer"})  # fmt: skip


def looks_like_email(sample: bytes) -> bool:
    """Whether bytes are an RFC 5322 message: a header block of well-formed fields (at least three known ones,
    with From, Date or Received among them) up to the first empty line, no NUL in it."""
    end = min((i for i in (sample.find(b"\r\n\r\n"), sample.find(b"\n\n")) if i >= 0), default=-1)
    lines = (sample[:end] if end >= 0 else sample).split(b"\n")
    if end < 0:
        lines = lines[:-1]  # the block goes on past the sample: its last line may be cut
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # an mbox separator
    if not lines or b"\x00" in sample[: max(end, 0)]:
        return False
    names = set()
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            continue
        field = _MAIL_FIELD.match(line)
        if field is None:
            return False
        names.add(field[1].lower())
    known = names & _MAIL_HEADERS
    return len(known) >= 3 and bool(known & {b"from", b"date", b"received"})


def clean_filename(name: str) -> str:
    """A display name: no folders, no control characters, at most 200 characters, never empty."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "attachment"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext[:20])] + ext[:20]


def tenant_kinds(tenant: Tenant) -> list[str]:
    """The kinds this tenant accepts, in the platform's order (all of them when it chose none)."""
    chosen = set(tenant.allowed_attachment_kinds or ())
    return [code for code in ATTACHMENT_KINDS if not chosen or code in chosen]


def accepted_types(tenant: Tenant) -> frozenset[str]:
    return frozenset().union(*(ATTACHMENT_KINDS[code][1] for code in tenant_kinds(tenant)))


def describe_accepted(tenant: Tenant) -> str:
    """ "images, PDF, office documents": what the tenant accepts, for help texts and refusals."""
    return ", ".join(
        ATTACHMENT_KINDS[code][0].split(" (")[0].lower().replace("pdf", "PDF") for code in tenant_kinds(tenant)
    )


POLICY_FIELDS = ("max_attachment_mb", "allowed_attachment_kinds")


@settings_service("tickets.attachments")
def set_attachment_policy(*, tenant: Tenant, actor: Membership, max_mb: int, kinds: list[str]) -> Tenant:
    """Change what a tenant accepts: a size limit per file (1 to 100 MB) and at least one kind of file."""
    require_role(actor, Role.ADMIN, "Only tenant admins can change the attachment rules.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, POLICY_FIELDS)
    unknown = set(kinds) - set(ATTACHMENT_KINDS)
    if unknown:
        raise ServiceError(f"Unknown kinds of file: {', '.join(sorted(unknown))}.")
    if not kinds:
        raise ServiceError("Accept at least one kind of file.")
    if not 1 <= max_mb <= 100:
        raise ServiceError("The size limit must be between 1 and 100 MB.")
    tenant.max_attachment_mb = max_mb
    # All kinds chosen is stored as "all", so kinds the platform adds later are accepted too.
    tenant.allowed_attachment_kinds = (
        [] if set(kinds) == set(ATTACHMENT_KINDS) else [code for code in ATTACHMENT_KINDS if code in kinds]
    )
    tenant.save(update_fields=["max_attachment_mb", "allowed_attachment_kinds"])
    after = snapshot(tenant, POLICY_FIELDS)
    record_config_change(
        actor=actor,
        area="tickets.attachments",
        action=ConfigChange.Action.UPDATED,
        target=tenant,
        before=before,
        after=after,
    )
    return tenant


def validate_uploads(*, tenant: Tenant, uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Check every upload before anything is written; return each with its detected type."""
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise ServiceError(f"Attach at most {MAX_FILES_PER_MESSAGE} files to one message.")
    limit = tenant.max_attachment_mb * 1024 * 1024
    accepted = accepted_types(tenant)
    checked = []
    for upload in uploads:
        label = clean_filename(upload.name)
        if not upload.content:
            raise ServiceError(f"“{label}” is empty.")
        if len(upload.content) > limit:
            raise ServiceError(f"“{label}” is larger than {tenant.max_attachment_mb} MB.")
        content_type = detect_content_type(upload.content)
        if content_type not in accepted:
            raise ServiceError(f"“{label}” is not a file type we accept ({describe_accepted(tenant)}).")
        checked.append((upload, content_type))
    return checked


def store_attachments(*, ticket: Ticket, message: Message | None, checked: list[tuple[Upload, str]]) -> list:
    stored = []
    for upload, content_type in checked:
        attachment = Attachment(
            tenant_id=ticket.tenant_id,
            ticket=ticket,
            message=message,
            filename=clean_filename(upload.name),
            content_type=content_type,
            size=len(upload.content),
        )
        attachment.file.save(attachment.filename, ContentFile(upload.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
