"""Sender, recipients, subject, date and ids, read from the raw headers (the address before its name)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import Message as StdMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from tickets.mail.parsing.charsets import _ENCODED_WORD, _surrogates_out, decode_header_value
from tickets.mail.parsing.message import _MESSAGE_ID, MAX_FROM_CHARS, MAX_HEADER_CHARS, ParsedEmail


def _raw_headers(message: StdMessage) -> list[tuple[str, str]]:
    try:
        items = message.raw_items() if hasattr(message, "raw_items") else message.items()
        return [(str(name).lower(), str(value)) for name, value in items]
    except Exception:
        return []


def _ids(value: str) -> list[str]:
    found = _MESSAGE_ID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return [item[:255] for item in found]


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", str(value)[:MAX_HEADER_CHARS]).replace("\r", "").replace("\n", " ").strip()


def _usable(address: str) -> bool:
    # "=?" left in an address means it was (or was meant to be) an encoded word: never an address of ours.
    return "@" in address and " " not in address and "=?" not in address and not address.startswith("@")


def _normal(address: str) -> str:
    """Lower-cased, without the trailing dot of a fully qualified domain (user@yahoo.com.)."""
    address = address.strip().lower()
    return address[:-1] if address.endswith(".") and "@" in address else address


def _addresses(values: list[str]) -> list[str]:
    """The addresses of To/Cc, parsed from the raw header: encoded words are never decoded here, so a display
    name such as =?utf-8?q?=3Csupport=40acme.example=3E?= cannot become an address (only addresses are kept)."""
    addresses = []
    try:
        pairs = getaddresses([_unfold(v) for v in values])
    except Exception:  # e.g. RecursionError on deeply nested comments
        pairs = []
    for _, address in pairs:
        address = _normal(address)
        if _usable(address):
            addresses.append(address)
    return list(dict.fromkeys(addresses))


def _read_from(values: list[str], parsed: ParsedEmail, hint: str) -> None:
    """The author: the address is parsed first (the header registry, on the raw header), the display name is
    decoded after, so an RFC 2047 name that reads "<customer@acme.example>" stays a name. The first usable
    address wins (a broken mailer writes `<>, pat@…` or a junk From above the real one); more than one From
    header or address stays ambiguous, so no receiver's verdict is ever tied to the one we took."""
    if len(values) > 1:
        parsed.defects.append("more than one From header")
        parsed.from_ambiguous = True
    for raw_value in values[:5]:
        found = _first_mailbox(_unfold(raw_value), parsed, hint)
        if found is not None:
            parsed.from_address, parsed.from_name = found
            return


_TRAILING_DOT = re.compile(r"(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\.(?=\s*(?:>|,|$))")


def _first_mailbox(value: str, parsed: ParsedEmail, hint: str) -> tuple[str, str] | None:
    # A fully qualified domain (yahoo.com.) is the same domain, which the registry refuses to parse.
    value = _TRAILING_DOT.sub(r"\1", value)
    mailboxes = _registry_mailboxes(value) if len(value) <= MAX_FROM_CHARS else None
    if mailboxes is None:
        # The registry refused it (or it is too long): the classic parser, still on the undecoded value.
        try:
            name, address = parseaddr(value)
        except Exception:  # e.g. RecursionError on deeply nested comments
            name, address = "", ""
        mailboxes = [(decode_header_value(name, hint), address)]
    if len(mailboxes) > 1:
        parsed.defects.append("more than one From address")
        parsed.from_ambiguous = True
    for name, address in mailboxes:
        written = address.strip().lower()
        if _usable(written) and written in value.lower():  # the address as written, never decoded from a word
            return _normal(written)[:254], _display_name(value, written, name, hint) or _comment_name(value, written)
    return None


def _comment_name(value: str, address: str) -> str:
    """The name of an old-style `pat@example.com (Pat Requester)`: the comment, when that is all there is."""
    if "(" not in value or len(value) > MAX_FROM_CHARS:
        return ""
    try:
        name, found = parseaddr(value)
    except Exception:
        return ""
    return " ".join(decode_header_value(name).split())[:200] if found.strip().lower() == address else ""


def _display_name(value: str, address: str, parsed_name: str, hint: str) -> str:
    """The name as its sender wrote it: the raw text before "<address>" decoded by us (charset supersets,
    8-bit text, words split mid-character), else the registry's reading."""
    name = parsed_name
    at = value.lower().find("<" + address)
    if at > 0 and ("=?" in value or not value.isascii()):
        raw = value[:at]
        raw = raw[_last_unquoted_comma(raw) + 1 :].strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])  # quoted: encoded words inside are decoded too
        name = decode_header_value(raw, hint) or parsed_name
    elif not value.isascii():
        name = _surrogates_out(parsed_name, hint)
    return " ".join(_surrogates_out(name, hint).split())[:200]


def _last_unquoted_comma(text: str) -> int:
    # A comma inside an encoded word (=?iso-8859-1?Q?M=FCller,_Bernd?=) is part of the name.
    text = _ENCODED_WORD.sub(lambda match: "x" * len(match[0]), text)
    quoted = escaped = False
    last = -1
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            last = index
    return last


def _registry_mailboxes(value: str) -> list[tuple[str, str]] | None:
    try:
        header = email.policy.default.header_factory("from", value)
        return [
            (mailbox.display_name or "", f"{mailbox.username}@{mailbox.domain}" if mailbox.domain else "")
            for mailbox in header.addresses
        ]
    except Exception:
        return None


def _read_fallback_sender(all_values: dict[str, list[str]], parsed: ParsedEmail, hint: str) -> None:
    """No usable From: the Sender, else the Reply-To, marked as such (see ParsedEmail.from_fallback)."""
    for header in ("sender", "reply-to"):
        for raw_value in all_values.get(header, [])[:1]:
            scratch = ParsedEmail()
            found = _first_mailbox(_unfold(raw_value), scratch, hint)
            if found is not None:
                parsed.from_address, parsed.from_name = found
                parsed.from_fallback = header
                label = "Sender" if header == "sender" else "Reply-To"
                parsed.defects.append(f"no valid From address: the address is taken from {label}")
                return


def _read_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except Exception:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not datetime(1990, 1, 1, tzinfo=UTC) <= moment <= datetime.now(UTC) + timedelta(days=1):
        return None
    return moment


def _read_headers(message: StdMessage, parsed: ParsedEmail, hint: str = "") -> None:
    raw = _raw_headers(message)
    all_values: dict[str, list[str]] = {}
    for name, value in raw:
        all_values.setdefault(name, []).append(value)
    parsed.headers = {name: decode_header_value(values[0], hint) for name, values in all_values.items()}

    def first(name: str) -> str:
        return parsed.headers.get(name, "")

    _read_from(all_values.get("from", []), parsed, hint)
    if not parsed.from_address:
        _read_fallback_sender(all_values, parsed, hint)
    results = all_values.get("authentication-results", [])
    parsed.authentication_results = _surrogates_out(_unfold(results[0])) if results else ""
    parsed.to = _addresses(all_values.get("to", []))
    parsed.cc = _addresses(all_values.get("cc", []))
    parsed.subject = " ".join(first("subject").split())[:255]
    parsed.date = _read_date(first("date"))
    message_ids = _ids(first("message-id"))
    parsed.message_id = message_ids[0] if message_ids else ""
    parsed.in_reply_to = _ids(first("in-reply-to"))
    parsed.references = [ref for v in all_values.get("references", []) for ref in _ids(decode_header_value(v))]
    parsed.thread_index = first("thread-index")[:200]
    parsed.auto_submitted = first("auto-submitted").split(";")[0].strip().lower()
    parsed.precedence = first("precedence").strip().lower()
    parsed.is_autoreply_header = any(h in parsed.headers for h in ("x-autoreply", "x-autorespond"))
    parsed.has_list_id = "list-id" in parsed.headers
    try:
        parsed.content_type = message.get_content_type()
        parsed.report_type = (message.get_param("report-type") or "").lower() if parsed.content_type else ""
    except Exception:
        parsed.defects.append("unreadable Content-Type")
    if not isinstance(parsed.report_type, str):
        parsed.report_type = ""
