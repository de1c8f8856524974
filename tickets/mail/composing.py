"""The wording of customer mail: the tenant's EmailTemplate for a kind, or the built-in one, with placeholders.

Tenant-editable text never goes through the template language (that would let a tenant admin, or a customer
whose name ends up in a value, run template code on the server). Like canned responses (tickets.services.canned)
a fixed whitelist of `{{ name }}` placeholders is filled by plain string replacement in one pass; values are
HTML-escaped in the HTML part, so a contact named `<script>` or `{{ settings.SECRET_KEY }}` stays inert text.
Each kind has its own whitelist: a sign-in mail has no ticket to describe, only a resolution has a rating link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import nh3
from django.template.loader import render_to_string
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import mark_safe

from tenancy.models import Tenant
from tickets.content import sanitize_html
from tickets.models import EmailTemplate, OutboundEmail
from tickets.services.canned import PLACEHOLDER

Kind = OutboundEmail.Kind

BRAND = ("brand.name",)
TICKET = (
    "contact.name",
    "contact.first_name",
    "ticket.reference",
    "ticket.number",
    "ticket.subject",
    "ticket.url",
    "ticket.created",  # when it was opened, in the recipient's zone: "15 Jan 2026, 18:00 CET"
    "status",
    "next_step",
)
RATING = ("rating.url", "rating.url_1", "rating.url_2", "rating.url_3", "rating.url_4", "rating.url_5")

# The placeholders each kind may use, in the order the settings page lists them.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    Kind.ACKNOWLEDGEMENT: (*TICKET, *BRAND),
    Kind.REPLY: (*TICKET, "message.body", "agent.name", *BRAND),
    Kind.STATUS: (*TICKET, *BRAND),
    Kind.RESOLVED: (*TICKET, *RATING, *BRAND),
    Kind.SIGN_IN: ("sign_in.url", "email", *BRAND),
    Kind.PASSWORD_RESET: ("reset.url", "user.name", "email", *BRAND),
}
# Kinds with a fixed wording that no tenant edits: a platform check, not the tenant's voice (absent from
# PLACEHOLDERS, so clean_wording refuses a template for them).
FIXED_KINDS = frozenset({Kind.ADDRESS_VERIFICATION})

# Values that are already safe HTML in the HTML part (the sanitised body of a reply); all others are escaped.
HTML_VALUES = frozenset({"message.body"})

MAX_SUBJECT = 255
MAX_TEMPLATE = 20_000


@dataclass(frozen=True)
class Wording:
    subject: str
    body_text: str
    body_html: str = ""  # empty: the HTML part is made from the plain text


DEFAULTS: dict[str, Wording] = {
    Kind.ACKNOWLEDGEMENT: Wording(
        subject="[{{ ticket.reference }}] We received your request: {{ ticket.subject }}",
        body_text=(
            "Hello {{ contact.first_name }},\n\n"
            "Thank you for contacting {{ brand.name }}. We have received your request "
            "“{{ ticket.subject }}” on {{ ticket.created }} and given it the reference {{ ticket.reference }}.\n\n"
            "{{ next_step }}\n\n"
            "To add anything, reply to this email. You can also follow your request here:\n"
            "{{ ticket.url }}\n\n"
            "{{ brand.name }}"
        ),
    ),
    Kind.REPLY: Wording(
        subject="[{{ ticket.reference }}] Re: {{ ticket.subject }}",
        body_text=(
            "{{ message.body }}\n\n"
            "-- \n"
            "{{ agent.name }}, {{ brand.name }}\n"
            "Your request {{ ticket.reference }} is now: {{ status }}. {{ next_step }}\n"
            "Reply to this email to answer, or view your request: {{ ticket.url }}"
        ),
    ),
    Kind.STATUS: Wording(
        subject="[{{ ticket.reference }}] {{ status }}: {{ ticket.subject }}",
        body_text=(
            "Hello {{ contact.first_name }},\n\n"
            "Your request {{ ticket.reference }} “{{ ticket.subject }}” is now: {{ status }}.\n\n"
            "{{ next_step }}\n\n"
            "View your request: {{ ticket.url }}\n\n"
            "{{ brand.name }}"
        ),
    ),
    Kind.RESOLVED: Wording(
        subject="[{{ ticket.reference }}] Resolved: {{ ticket.subject }}",
        body_text=(
            "Hello {{ contact.first_name }},\n\n"
            "We have resolved your request {{ ticket.reference }} “{{ ticket.subject }}”. "
            "{{ next_step }}\n\n"
            "How did we do? Rate our help (it takes one click):\n"
            "{{ rating.url }}\n\n"
            "{{ brand.name }}"
        ),
        body_html=(
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>We have resolved your request {{ ticket.reference }} “{{ ticket.subject }}”. {{ next_step }}</p>\n"
            "<p><strong>How did we do?</strong> Rate our help from 1 (poor) to 5 (excellent):</p>\n"
            '<p><a href="{{ rating.url_1 }}">1</a> · <a href="{{ rating.url_2 }}">2</a> · '
            '<a href="{{ rating.url_3 }}">3</a> · <a href="{{ rating.url_4 }}">4</a> · '
            '<a href="{{ rating.url_5 }}">5</a></p>\n'
            '<p><a href="{{ ticket.url }}">View your request</a></p>\n'
            "<p>{{ brand.name }}</p>"
        ),
    ),
    Kind.SIGN_IN: Wording(
        subject="Your sign-in link for {{ brand.name }} support",
        body_text=(
            "Hello,\n\n"
            "Use this link to sign in to {{ brand.name }} support as {{ email }}:\n"
            "{{ sign_in.url }}\n\n"
            "The link works once and expires soon. If you did not ask for it, ignore this email: "
            "nobody can sign in without it.\n\n"
            "{{ brand.name }}"
        ),
    ),
    Kind.PASSWORD_RESET: Wording(
        subject="Reset your {{ brand.name }} password",
        body_text=(
            "Hello {{ user.name }},\n\n"
            "Someone (hopefully you) asked to reset the password for {{ email }} at {{ brand.name }}.\n\n"
            "Choose a new password here:\n"
            "{{ reset.url }}\n\n"
            "The link works once and expires in three days. If you didn't ask for this, ignore this email: "
            "your password stays as it is.\n\n"
            "{{ brand.name }}"
        ),
    ),
    Kind.ADDRESS_VERIFICATION: Wording(
        subject="Confirm {{ email }} as a support address of {{ brand.name }}",
        body_text=(
            "Hello,\n\n"
            "An admin of the {{ brand.name }} help desk added {{ email }} as an address its customers write to.\n\n"
            "If this is right, an admin of that help desk opens this link, signed in, to confirm it:\n"
            "{{ verify.url }}\n\n"
            "Until then the help desk neither receives mail sent to {{ email }} nor sends mail from it. The link "
            "works once and expires in 48 hours. If you do not know this help desk, ignore this email.\n"
        ),
    ),
}


class TemplateError(ValueError):
    """A template a tenant admin tried to save that we cannot use; the message says why."""


@dataclass(frozen=True)
class Composed:
    subject: str
    body_text: str
    body_html: str


def wording_for(kind: str, template: EmailTemplate | None) -> Wording:
    if template is None or kind in FIXED_KINDS:
        return DEFAULTS[kind]
    return Wording(subject=template.subject, body_text=template.body_text, body_html=template.body_html)


def unknown_placeholders(kind: str, *texts: str) -> list[str]:
    allowed = PLACEHOLDERS[kind]
    return sorted({m.group(1) for text in texts for m in PLACEHOLDER.finditer(text) if m.group(1) not in allowed})


def clean_wording(kind: str, *, subject: str, body_text: str, body_html: str = "") -> Wording:
    """Check what an admin typed: known kind, one-line subject, both parts within limits, known placeholders.
    The HTML part is sanitised like any HTML people type (no scripts, styles, images or forms)."""
    if kind not in PLACEHOLDERS:
        raise TemplateError(f"“{kind}” is not a kind of mail.")
    subject = " ".join(subject.split())
    body_text = body_text.replace("\r\n", "\n").strip()
    body_html = body_html.replace("\r\n", "\n").strip()
    if not subject:
        raise TemplateError("Write a subject.")
    if len(subject) > MAX_SUBJECT:
        raise TemplateError(f"Keep the subject under {MAX_SUBJECT} characters.")
    if not body_text:
        raise TemplateError("Write the plain-text version: every mail has one.")
    if len(body_text) > MAX_TEMPLATE or len(body_html) > MAX_TEMPLATE:
        raise TemplateError(f"Keep each version under {MAX_TEMPLATE:,} characters.")
    unknown = unknown_placeholders(kind, subject, body_text, body_html)
    if unknown:
        known = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS[kind])
        raise TemplateError(
            f"Unknown placeholder {', '.join(f'{{{{ {name} }}}}' for name in unknown)}. This mail can use: {known}."
        )
    if body_html:
        body_html = sanitize_html(body_html)
    return Wording(subject=subject, body_text=body_text, body_html=body_html)


def fill(text: str, values: dict[str, str], *, html: bool = False, links: bool = False) -> str:
    """Replace whitelisted placeholders in one pass (re.sub never rescans what it inserted); unknown ones stay
    as typed. In HTML every value is escaped except the ones that are sanitised HTML already; with `links`
    (HTML made from the plain text) a URL value becomes a link."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if not html:
            return values[name]
        if name in HTML_VALUES:
            return values[name]
        if links and URL_NAME.search(name) and values[name].startswith(("https://", "http://")):
            return format_html('<a href="{}">{}</a>', values[name], values[name])
        return escape(values[name])

    return PLACEHOLDER.sub(value, text)


_HTML_NAMES = "|".join(re.escape(name) for name in HTML_VALUES)
BLOCK_PLACEHOLDER = re.compile(r"<p>(\{\{\s*(?:" + _HTML_NAMES + r")\s*\}\})</p>")
URL_NAME = re.compile(r"\.url(?:_\d)?$")


def compose(
    *, tenant: Tenant, kind: str, wording: Wording, text_values: dict[str, str], html_values: dict[str, str]
) -> Composed:
    """Fill a wording for one mail: a one-line subject, the plain text, and HTML in the tenant's branded frame."""
    subject = " ".join(fill(wording.subject, text_values).split())[:MAX_SUBJECT]
    body_text = fill(wording.body_text, text_values)
    if wording.body_html:
        inner = fill(wording.body_html, html_values, html=True)
    else:
        # Escaping the template text leaves its placeholders as they are ({, }, dots and names need none).
        paragraphs = linebreaks(escape(wording.body_text))
        # A paragraph that is only an HTML value (a reply's body, itself paragraphs) is not wrapped in <p>.
        paragraphs = BLOCK_PLACEHOLDER.sub(r"<div>\1</div>", paragraphs)
        inner = fill(paragraphs, html_values, html=True, links=True)
    # The frame is ours; the body was filled from escaped values and sanitised HTML only.
    context = {"tenant": tenant, "subject": subject, "body": mark_safe(inner)}  # noqa: S308
    body_html = render_to_string("emails/customer_mail.html", context)
    return Composed(subject=subject, body_text=body_text, body_html=body_html)


BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|blockquote|pre|ul|ol|table)>", re.IGNORECASE)
LINE_END = re.compile(r"<br\s*/?>|</(?:li|tr)>", re.IGNORECASE)
# What only the HTML parser may decide: markup, entities, carriage returns, NUL and a byte-order mark (dropped at
# the start of a document). Text without them comes out of nh3.clean and unescape as it went in.
NEEDS_PARSER = re.compile("[<>&\r\x00\ufeff]")


def html_to_mail_text(html: str) -> str:
    """Sanitised HTML to plain text for the text part of a mail, keeping paragraphs and line breaks (unlike the
    search text, which flattens them)."""
    text = LINE_END.sub("\n", BLOCK_END.sub("\n\n", html))
    bare = text.replace("<p>", "")
    # Only plain paragraphs (what plain text is rendered to): the sanitiser would return the text unchanged, so it
    # is not parsed (the routing simulator converts 100,000 first messages); tests/tickets/test_mail_text.py holds
    # both paths equal on random text.
    text = bare if NEEDS_PARSER.search(bare) is None else unescape(nh3.clean(text, tags=set()))
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
