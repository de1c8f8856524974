"""Builders of .eml messages for the intake tests: each returns the raw bytes a mail server would hand us."""

from __future__ import annotations

import base64
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The receiving host the test settings trust (MAIL_TRUSTED_AUTHSERV_IDS in tests/testenv.py).
TRUSTED_HOST = "mx.tessera.test"


def dmarc_pass(sender: str, host: str = TRUSTED_HOST) -> str:
    """The Authentication-Results a receiving host adds when the From's domain passed DMARC."""
    domain = sender.rpartition("@")[2].strip(">").lower()
    return f"{host}; spf=pass smtp.mailfrom={domain}; dmarc=pass (p=reject dis=none) header.from={domain}"


def message_id(domain: str = "mail.customer.example") -> str:
    return make_msgid(idstring=uuid.uuid4().hex[:8], domain=domain)


def build(
    *,
    sender: str = "Pat Requester <pat@customer.example>",
    to: str = "support@acme.example",
    cc: str = "",
    subject: str = "Printer on fire",
    body: str = "Hello,\n\nThe printer is on fire.\n\nPat",
    html: str | None = None,
    msgid: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    authenticated: bool = False,
    authentication_results: list[str] = (),
) -> bytes:
    """A plain or multipart/alternative message (with attachments when given). `authenticated` puts the trusted
    receiving host's DMARC pass for the From's domain on top; `authentication_results` are such headers as given,
    topmost first."""
    message = EmailMessage()
    for value in [*([dmarc_pass(sender)] if authenticated else []), *authentication_results]:
        message["Authentication-Results"] = value
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = msgid or message_id()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def raw(text: str, encoding: str = "utf-8") -> bytes:
    """A message written out by hand (CRLF line ends), for what EmailMessage would refuse to build."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding, "surrogateescape")


def bounce(*, original_id: str, to: str = "support@acme.example", status: str = "5.1.1") -> bytes:
    """A multipart/report delivery-status notice from MAILER-DAEMON about the message `original_id`."""
    return raw(
        f"""From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: {message_id("mx.customer.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.customer.example.
I'm sorry to have to inform you that your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; gone@customer.example
Action: failed
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--BOUNDARY
Content-Type: text/rfc822-headers

From: Acme Support <support@acme.example>
To: gone@customer.example
Subject: [ACME-1] We received your request
Message-ID: <{original_id}>

--BOUNDARY--
"""
    )
