"""Raw RFC 822 bytes to what the intake needs, with the standard library only.

Mail is hostile and often broken: parsing never raises. Headers are read from their raw source and decoded
with replacement characters, bodies are decoded with their declared charset (or UTF-8, or Latin-1) the same
way, and what was wrong is kept as a list of defects so the message can be flagged rather than dropped.

Real mail is written by broken encoders: charset labels that understate what the text uses (GB2312 for GBK,
ks_c_5601-1987 for cp949, ISO-2022-JP with vendor characters), 8-bit text with no charset at all, a From
with an empty first address, headers folded without indentation. Each is read the way the sender's own mail
client would have shown it (tests/tickets/eml/ holds one message per case).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from email.message import Message as StdMessage

from tickets.mail.parsing.bodies import _read_body, html_to_lines, safe_filename
from tickets.mail.parsing.charsets import _hint_charset, decode_bytes, decode_header_value
from tickets.mail.parsing.headers import _read_headers
from tickets.mail.parsing.message import ParsedAttachment, ParsedEmail, _defect_name
from tickets.mail.parsing.quotes import is_forwarded, trim_quoted

__all__ = [
    "ParsedAttachment",
    "ParsedEmail",
    "content_digest",
    "decode_bytes",
    "decode_header_value",
    "html_to_lines",
    "is_forwarded",
    "parse_email",
    "safe_filename",
    "trim_quoted",
]


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message; never raises. Problems end up in `defects`."""
    parsed = ParsedEmail()
    try:
        parsed.content_digest = content_digest(raw)
        raw = _repair_folding(raw, parsed)
    except Exception as error:  # never: both only slice bytes; kept so a surprise cannot lose the message
        parsed.defects.append(f"header block unreadable: {type(error).__name__}")
    message = _load(raw, parsed)
    if message is None:
        return parsed
    for defect in message.defects:
        parsed.defects.append(_defect_name(defect))
    hint = _hint_charset(message)
    _read_headers(message, parsed, hint)
    try:
        _read_body(message, parsed, hint)
    except Exception as error:
        parsed.defects.append(f"body could not be read: {type(error).__name__}")
    if not parsed.from_address:
        parsed.defects.append("no valid From address")
    parsed.defects = list(dict.fromkeys(parsed.defects))
    return parsed


_FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_DIGESTED = re.compile(rb"^(from|subject|date)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.IGNORECASE | re.MULTILINE)


def _header_end(raw: bytes) -> int:
    """Where the header block ends (the first empty line), or -1 when there is none."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return min(ends) if ends else -1


def content_digest(raw: bytes) -> str:
    end = _header_end(raw)
    head, body = (raw[:end], raw[end:]) if end >= 0 else (raw, b"")
    head = head.replace(b"\r\n", b"\n")
    fields = {}
    for match in _DIGESTED.finditer(head):
        fields.setdefault(match[1].lower(), b" ".join(match[2].split()))
    # Line ends change on the way (CRLF on the wire, LF in a Maildir), and so does the blank space at the end.
    body = body.replace(b"\r\n", b"\n").strip()
    parts = [fields.get(name, b"") for name in (b"from", b"subject", b"date")]
    return hashlib.sha256(b"\0".join([*parts, body])).hexdigest()


def _repair_folding(raw: bytes, parsed: ParsedEmail) -> bytes:
    """A header folded without indentation (a long Subject whose second line starts at the margin) ends the
    header block for the standard parser, so every header after it would be lost: indent such a line when real
    header lines follow it. A block with no header after its odd line is left alone (more likely a missing
    separator)."""
    end = _header_end(raw)
    if end < 0:
        return raw
    lines = raw[:end].split(b"\n")
    last_field = max((i for i, line in enumerate(lines) if _FIELD_LINE.match(line)), default=0)
    repaired = False
    for index in range(1, last_field):
        line = lines[index]
        if line[:1] in (b" ", b"\t") or not line.strip() or _FIELD_LINE.match(line):
            continue
        lines[index] = b" " + line
        repaired = True
    if not repaired:
        return raw
    parsed.defects.append("header line continued without indentation")
    return b"\n".join(lines) + raw[end:]


def _load(raw: bytes, parsed: ParsedEmail) -> StdMessage | None:
    for policy in (email.policy.default, email.policy.compat32):
        try:
            return email.message_from_bytes(raw, policy=policy)
        except Exception as error:
            parsed.defects.append(f"parser ({policy.__class__.__name__}): {type(error).__name__}")
    return None
