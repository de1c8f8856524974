"""Raw RFC 822 bytes to what the intake needs, with the standard library only.

Mail is hostile and often broken: parsing never raises. Headers are read from their raw source and decoded
with replacement characters, bodies are decoded with their declared charset (or UTF-8, or Latin-1) the same
way, and what was wrong is kept as a list of defects so the message can be flagged rather than dropped.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message as StdMessage
from email.utils import getaddresses, parseaddr
from html import unescape

import nh3

from tickets.content import sanitize_html

MAX_HEADER_CHARS = 10_000
# A real From is a name and one address; longer ones are not given to the header registry, whose parser slows
# down sharply on long hostile input (a few thousand dots take half a second).
MAX_FROM_CHARS = 1_000
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre|hr\s*/?)\b[^>]*>", re.IGNORECASE)
_BLOCK_START = re.compile(r"<(?:p|div|li|tr|h[1-6]|blockquote|pre)\b[^>]*>", re.IGNORECASE)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
AUTO_PRECEDENCE = ("bulk", "list", "junk")


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content: bytes
    content_type: str
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    """What the intake reads of one message. Addresses are lower-cased; ids are without angle brackets."""

    from_address: str = ""
    from_name: str = ""
    # More than one From header, or more than one address in it: no receiver's verdict can be tied to one author.
    from_ambiguous: bool = False
    # The topmost Authentication-Results header as received (unfolded, not RFC 2047-decoded): the one the
    # receiving host added; any below it may have been written by the sender.
    authentication_results: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    thread_index: str = ""
    auto_submitted: str = ""
    precedence: str = ""
    is_autoreply_header: bool = False
    has_list_id: bool = False
    content_type: str = ""
    report_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # first value of each header, decoded, lower-case keys
    text: str = ""  # the best body as plain text, untrimmed
    html: str = ""  # sanitised HTML when the best body was HTML, else ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    # From a delivery report: the Message-ID of the mail that bounced and the status code ("5.1.1").
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_status: str = ""
    defects: list[str] = field(default_factory=list)

    @property
    def is_malformed(self) -> bool:
        return bool(self.defects)

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))

    @property
    def is_automatic(self) -> bool:
        """Sent by a machine (auto-reply, list, bulk): never acknowledged, so two robots cannot loop."""
        return (
            (self.auto_submitted != "" and self.auto_submitted != "no")
            or self.precedence in AUTO_PRECEDENCE
            or self.is_autoreply_header
            or self.has_list_id
        )

    @property
    def is_bounce(self) -> bool:
        local = self.from_address.partition("@")[0]
        return (
            local in BOUNCE_SENDERS
            or (self.content_type == "multipart/report" and self.report_type == "delivery-status")
            or (not self.from_address and self.bounce_status != "")
        )

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most specific first (In-Reply-To, then References newest first)."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))

    @property
    def thread_index_root(self) -> str:
        """The conversation part of Outlook's Thread-Index (its first 22 bytes), hex; "" when absent or bad."""
        if not self.thread_index:
            return ""
        try:
            raw = base64.b64decode(self.thread_index.strip(), validate=False)
        except (binascii.Error, ValueError):
            return ""
        return raw[:22].hex() if len(raw) >= 22 else ""


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message; never raises. Problems end up in `defects`."""
    parsed = ParsedEmail()
    message = _load(raw, parsed)
    if message is None:
        return parsed
    for defect in message.defects:
        parsed.defects.append(_defect_name(defect))
    _read_headers(message, parsed)
    try:
        _read_body(message, parsed)
    except Exception as error:
        parsed.defects.append(f"body could not be read: {type(error).__name__}")
    if not parsed.from_address:
        parsed.defects.append("no valid From address")
    parsed.defects = list(dict.fromkeys(parsed.defects))
    return parsed


def _load(raw: bytes, parsed: ParsedEmail) -> StdMessage | None:
    for policy in (email.policy.default, email.policy.compat32):
        try:
            return email.message_from_bytes(raw, policy=policy)
        except Exception as error:
            parsed.defects.append(f"parser ({policy.__class__.__name__}): {type(error).__name__}")
    return None


def _defect_name(defect) -> str:
    return type(defect).__name__ if not isinstance(defect, str) else defect


# --- headers -----------------------------------------------------------------------------------------------------


def decode_header_value(value: str) -> str:
    """Decode encoded words (=?charset?...?=) with replacement characters; unfold; never raises."""
    value = str(value)[:MAX_HEADER_CHARS]
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" not in value:
        return _surrogates_out(value).strip()
    try:
        parts = decode_header(value)
    except Exception:
        return _surrogates_out(value).strip()
    decoded = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            decoded.append(decode_bytes(chunk, charset))
        else:
            decoded.append(chunk)
    try:
        # make_header knows where whitespace between encoded words is dropped (RFC 2047).
        return str(make_header([(d.encode("utf-8"), "utf-8") for d in decoded])).strip()
    except Exception:
        return "".join(decoded).strip()


def _surrogates_out(value: str) -> str:
    # Undecodable 8-bit bytes in headers arrive as surrogate escapes; show them as replacement characters.
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset to text: the charset if known and valid, else UTF-8, else Latin-1."""
    candidates = []
    if charset:
        name = charset.strip().strip('"').lower()
        with contextlib.suppress(LookupError):
            candidates.append(codecs.lookup(name).name)
    for name in [*candidates, "utf-8"]:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if candidates:
        return data.decode(candidates[0], "replace")
    return data.decode("utf-8", "replace")


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
    return "@" in address and " " not in address and "=?" not in address


def _addresses(values: list[str]) -> list[str]:
    """The addresses of To/Cc, parsed from the raw header: encoded words are never decoded here, so a display
    name such as =?utf-8?q?=3Csupport=40acme.example=3E?= cannot become an address (only addresses are kept)."""
    addresses = []
    try:
        pairs = getaddresses([_unfold(v) for v in values])
    except Exception:  # e.g. RecursionError on deeply nested comments
        pairs = []
    for _, address in pairs:
        address = address.strip().lower()
        if _usable(address):
            addresses.append(address)
    return list(dict.fromkeys(addresses))


def _read_from(values: list[str], parsed: ParsedEmail) -> None:
    """The author: the address is parsed first (the header registry, on the raw header), the display name is
    decoded after, so an RFC 2047 name that reads "<customer@acme.example>" stays a name."""
    if len(values) > 1:
        parsed.defects.append("more than one From header")
        parsed.from_ambiguous = True
    if not values:
        return
    value = _unfold(values[0])
    mailboxes = _registry_mailboxes(value) if len(value) <= MAX_FROM_CHARS else None
    if mailboxes is None:
        # The registry refused it (or it is too long): the classic parser, still on the undecoded value.
        try:
            name, address = parseaddr(value)
        except Exception:  # e.g. RecursionError on deeply nested comments
            name, address = "", ""
        mailboxes = [(decode_header_value(name), address)]
    if len(mailboxes) > 1:
        parsed.defects.append("more than one From address")
        parsed.from_ambiguous = True
    if not mailboxes:
        return
    name, address = mailboxes[0]
    address = address.strip().lower()
    if _usable(address) and address in value.lower():  # the address as written, never decoded from a word
        parsed.from_address = address[:254]
        parsed.from_name = " ".join(_surrogates_out(name).split())[:200]


def _registry_mailboxes(value: str) -> list[tuple[str, str]] | None:
    try:
        header = email.policy.default.header_factory("from", value)
        return [
            (mailbox.display_name or "", f"{mailbox.username}@{mailbox.domain}" if mailbox.domain else "")
            for mailbox in header.addresses
        ]
    except Exception:
        return None


def _read_headers(message: StdMessage, parsed: ParsedEmail) -> None:
    raw = _raw_headers(message)
    all_values: dict[str, list[str]] = {}
    for name, value in raw:
        all_values.setdefault(name, []).append(value)
    parsed.headers = {name: decode_header_value(values[0]) for name, values in all_values.items()}

    def first(name: str) -> str:
        return parsed.headers.get(name, "")

    _read_from(all_values.get("from", []), parsed)
    results = all_values.get("authentication-results", [])
    parsed.authentication_results = _surrogates_out(_unfold(results[0])) if results else ""
    parsed.to = _addresses(all_values.get("to", []))
    parsed.cc = _addresses(all_values.get("cc", []))
    parsed.subject = " ".join(first("subject").split())[:255]
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


# --- bodies and attachments ---------------------------------------------------------------------------------------


def _payload_bytes(part: StdMessage) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: StdMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return decode_header_value(name) if name else ""


def _extension(content_type: str) -> str:
    return {
        "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
        "application/pdf": ".pdf", "text/plain": ".txt", "message/rfc822": ".eml", "text/html": ".html",
    }.get(content_type, ".bin")  # fmt: skip


def _read_body(message: StdMessage, parsed: ParsedEmail) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    counter = {"n": 0}

    def attach(part: StdMessage, content: bytes, content_type: str, inline: bool) -> None:
        counter["n"] += 1
        name = _filename(part) or f"{'inline' if inline else 'attachment'}-{counter['n']}{_extension(content_type)}"
        content_id = decode_header_value(part.get("content-id", "") or "").strip("<> ")
        parsed.attachments.append(ParsedAttachment(name, content, content_type, inline, content_id[:255]))

    def visit(part: StdMessage, depth: int) -> None:
        for defect in getattr(part, "defects", []):
            parsed.defects.append(_defect_name(defect))
        if depth > 20:
            parsed.defects.append("parts nested too deeply")
            return
        content_type = part.get_content_type()
        if part.is_multipart() and content_type.startswith("multipart/"):
            for sub in part.get_payload():
                visit(sub, depth + 1)
            return
        if content_type == "message/delivery-status":
            _read_delivery_status(part, parsed)
            return
        if content_type in ("message/rfc822", "text/rfc822-headers"):
            content = _embedded_bytes(part)
            _read_original_id(content, parsed)
            if parsed.content_type != "multipart/report":
                attach(part, content, "message/rfc822", False)
            return
        disposition = (part.get_content_disposition() or "").lower()
        content = _payload_bytes(part)
        is_text_body = content_type in ("text/plain", "text/html") and disposition != "attachment"
        if is_text_body and not _filename(part):
            decoded = decode_bytes(content, part.get_content_charset())
            (texts if content_type == "text/plain" else htmls).append(decoded)
            return
        if not content:
            return
        inline = disposition == "inline" or (disposition == "" and bool(part.get("content-id")))
        attach(part, content, content_type, inline)

    visit(message, 0)
    if texts:
        parsed.text = "\n\n".join(t.replace("\r\n", "\n").strip("\n") for t in texts if t.strip())
    elif htmls:
        parsed.html = sanitize_html("\n".join(htmls)).strip()
        parsed.text = html_to_lines(parsed.html)


def _embedded_bytes(part: StdMessage) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        try:
            return payload[0].as_bytes()
        except Exception:
            try:
                return payload[0].as_string().encode("utf-8", "replace")
            except Exception:
                return b""
    return _payload_bytes(part)


def _read_original_id(content: bytes, parsed: ParsedEmail) -> None:
    match = re.search(rb"^Message-ID:\s*<([^<>\s]+)>", content, re.IGNORECASE | re.MULTILINE)
    if match:
        parsed.bounced_message_ids.append(match[1].decode("ascii", "replace")[:255])


def _read_delivery_status(part: StdMessage, parsed: ParsedEmail) -> None:
    payload = part.get_payload()
    if isinstance(payload, list):
        text = "\n".join(str(block) for block in payload)
    else:
        text = decode_bytes(_payload_bytes(part), "utf-8")
    status = re.search(r"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", text, re.IGNORECASE | re.MULTILINE)
    parsed.bounce_status = status[1] if status else "unknown"


def html_to_lines(html: str) -> str:
    """Sanitised HTML to plain text that keeps its line structure; text inside <blockquote> gets "> " in front
    of each line, as a plain-text client would quote it (the quote trimmer works on lines)."""
    out: list[str] = []
    depth = 0
    for segment in re.split(r"(<blockquote\b[^>]*>|</blockquote>)", html, flags=re.IGNORECASE):
        lowered = segment.lower()
        if lowered.startswith("<blockquote"):
            depth += 1
            out.append("\n")
            continue
        if lowered == "</blockquote>":
            depth = max(0, depth - 1)
            out.append("\n")
            continue
        text = _BLOCK_START.sub("\n", _BLOCK_END.sub("\n", segment))
        text = unescape(nh3.clean(text, tags=set()))
        if depth:
            text = "\n".join(("> " * depth + line) if line.strip() else line for line in text.split("\n"))
        out.append(text)
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- quoted history and signatures ---------------------------------------------------------------------------------

_ON_WROTE = re.compile(
    r"^\s*(on|am|le|el|il|op)\b.{0,400}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:\s*$", re.I
)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}", re.I)
_HEADER_LINE = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s+\S", re.I)
_SENT_LINE = re.compile(r"^\s*\*?(sent|date|gesendet|envoyé|datum)\s*:\*?\s+\S", re.I)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_FORWARD = re.compile(r"^\s*(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:)", re.I)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr)\s*:", re.I)


def is_forwarded(subject: str, text: str) -> bool:
    """A forwarded mail: its quoted part IS the request, so nothing of it is trimmed."""
    return bool(_FORWARD_SUBJECT.match(subject)) or any(_FORWARD.match(line) for line in text.splitlines()[:200])


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the quoted history ("On ... wrote:", "-----Original Message-----", an
    Outlook "From: ... Sent: ..." block), drop ">" quoted lines and the signature after "-- ". When that
    leaves nothing, the whole text is kept: a reply is never shown empty."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if (
            _ORIGINAL.match(line)
            or _ON_WROTE.match(line)
            or (line.lstrip().lower().startswith("on ") and _ON_WROTE.match(joined))
        ):
            cut = index
            break
        if _HEADER_LINE.match(line) and any(_SENT_LINE.match(after) for after in lines[index + 1 : index + 5]):
            cut = index - 1 if index > 0 and _RULE.match(lines[index - 1]) else index
            break
        if line in ("-- ", "--"):
            cut = index
            break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return trimmed or text.strip()
