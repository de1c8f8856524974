"""Uploads: size limit per tenant, type detected from the bytes (never the name or the browser's word)."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

import filetype
from django.core.files.base import ContentFile

from tenancy.models import Tenant
from tickets.models import Attachment, Message, Ticket
from tickets.services.events import ServiceError

ALLOWED_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip",
    "application/gzip", "application/x-7z-compressed", "text/plain", "message/rfc822",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword", "application/vnd.ms-excel", "application/rtf",
}  # fmt: skip
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
    if b"\x00" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        if error.start < len(sample) - 4:
            return None
    return "text/plain"


def clean_filename(name: str) -> str:
    """A display name: no folders, no control characters, at most 200 characters, never empty."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "attachment"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext[:20])] + ext[:20]


def validate_uploads(*, tenant: Tenant, uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Check every upload before anything is written; return each with its detected type."""
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise ServiceError(f"Attach at most {MAX_FILES_PER_MESSAGE} files to one message.")
    limit = tenant.max_attachment_mb * 1024 * 1024
    checked = []
    for upload in uploads:
        label = clean_filename(upload.name)
        if not upload.content:
            raise ServiceError(f"“{label}” is empty.")
        if len(upload.content) > limit:
            raise ServiceError(f"“{label}” is larger than {tenant.max_attachment_mb} MB.")
        content_type = detect_content_type(upload.content)
        if content_type not in ALLOWED_TYPES:
            raise ServiceError(f"“{label}” is not a file type we accept (images, PDF, office documents, text, zip).")
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
