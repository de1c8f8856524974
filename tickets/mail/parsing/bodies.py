"""Which body a reader would see, and the attachments, inline images and attached mails beside it."""

from __future__ import annotations

import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass
from email.message import Message as StdMessage
from email.parser import BytesHeaderParser
from html import unescape

import filetype
import nh3

from tickets.content import render_plain_text, sanitize_html
from tickets.mail.parsing.charsets import decode_bytes, decode_header_value
from tickets.mail.parsing.message import _BLOCK_END, _BLOCK_START, ParsedAttachment, ParsedEmail, _defect_name

# --- bodies and attachments ---------------------------------------------------------------------------------------

# A plain part that only points at the HTML one ("view this mail in your browser").
_STUB_PLAIN = re.compile(
    r"(view|read|open|see)\b.{0,40}\b(online|in (your|a) (web )?browser|web version)|html[- ](version|e-?mail)|"
    r"(does not|doesn't|cannot|can't) (support|display) html|multi-?part message in mime format",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_INVISIBLE = re.compile(r"<(style|script|head|title)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_CID_FILENAME = re.compile(r"^[\w\-. ]{1,100}\.[A-Za-z0-9]{2,5}$")


@dataclass
class _Body:
    """One part that is the text of the mail: "text" or "html", decoded."""

    kind: str
    content: str


def _payload_bytes(part: StdMessage) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: StdMessage, hint: str = "") -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return decode_header_value(name, hint) if name else ""


def _extension(content: bytes, content_type: str) -> str:
    """The extension for a part without a name: from what its bytes are, else from what it declares."""
    kind = filetype.guess(content[:8192]) if content else None
    if kind is not None:
        return f".{kind.extension}".replace(".jpeg", ".jpg")
    known = {"text/plain": ".txt", "message/rfc822": ".eml", "text/html": ".html", "image/jpeg": ".jpg"}
    return known.get(content_type) or mimetypes.guess_extension(content_type, strict=False) or ".bin"


def safe_filename(text: str, limit: int = 100) -> str:
    """A subject or title as a file name: no characters a file system refuses, one line, at most `limit`."""
    name = " ".join(_UNSAFE_NAME.sub("_", text).split()).strip(" .")
    return name[:limit].strip(" .")


def _embedded_subject(content: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(content[:65536])
        return decode_header_value(str(headers.get("subject", "") or ""))
    except Exception:
        return ""


def _read_body(message: StdMessage, parsed: ParsedEmail, hint: str = "") -> None:
    counter = {"n": 0}

    def attach(part: StdMessage, content: bytes, content_type: str, inline: bool, name: str = "") -> None:
        counter["n"] += 1
        content_id = decode_header_value(part.get("content-id", "") or "").strip("<> ")
        name = name or _filename(part, hint) or _generated_name(content, content_type, inline, content_id)
        parsed.attachments.append(ParsedAttachment(name, content, content_type, inline, content_id[:255]))

    def _generated_name(content: bytes, content_type: str, inline: bool, content_id: str) -> str:
        if content_type == "message/rfc822":
            number = counter["n"]
            return f"{safe_filename(_embedded_subject(content)) or f'message-{number}'}.eml"
        local = content_id.partition("@")[0]
        if _CID_FILENAME.match(local):  # Outlook's <image001.png@01DB4711.AABBCC00>
            return safe_filename(local)
        return f"{'inline' if inline else 'attachment'}-{counter['n']}{_extension(content, content_type)}"

    def visit(part: StdMessage, depth: int, bodies: list[_Body]) -> None:
        for defect in getattr(part, "defects", []):
            parsed.defects.append(_defect_name(defect))
        if depth > 20:
            parsed.defects.append("parts nested too deeply")
            return
        content_type = part.get_content_type()
        if part.is_multipart() and content_type.startswith("multipart/"):
            subparts = [sub for sub in part.get_payload() if isinstance(sub, StdMessage)]
            if content_type != "multipart/alternative":
                for sub in subparts:
                    visit(sub, depth + 1, bodies)
                return
            options: list[list[_Body]] = []
            for sub in subparts:
                options.append([])
                visit(sub, depth + 1, options[-1])
            bodies.extend(_choose_alternative(options))
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
        if is_text_body and not _filename(part, hint):
            decoded = decode_bytes(content, part.get_content_charset())
            bodies.append(_Body("text" if content_type == "text/plain" else "html", decoded))
            return
        if not content:
            return
        inline = disposition == "inline" or (disposition == "" and bool(part.get("content-id")))
        attach(part, content, content_type, inline)

    bodies: list[_Body] = []
    visit(message, 0, bodies)
    bodies = [body for body in bodies if body.content.strip()]
    if not bodies:
        return
    if bodies[0].kind == "text":
        texts = [body.content for body in bodies if body.kind == "text"]
        parsed.text = "\n\n".join(t.replace("\r\n", "\n").strip("\n") for t in texts)
        for body in bodies:
            if body.kind == "html":  # beside the text, not an alternative of it: a document of its own
                title = _TITLE.search(body.content)
                name = safe_filename(unescape(title[1])) if title else ""
                content = body.content.encode("utf-8")
                number = counter["n"] + 1
                attach(StdMessage(), content, "text/html", False, f"{name or f'part-{number}'}.html")
        return
    # HTML first: the text parts that follow it (a list's footer, say) are shown after it.
    html = "\n".join(body.content if body.kind == "html" else render_plain_text(body.content) for body in bodies)
    parsed.html = sanitize_html(html).strip()
    parsed.text = html_to_lines(parsed.html)


def _choose_alternative(options: list[list[_Body]]) -> list[_Body]:
    """Of a multipart/alternative: the plain text, unless it is empty or much poorer than the HTML (a stub
    that points at a web version, a few words for a long letter); then the HTML."""
    plain = next((o for o in options if o and all(body.kind == "text" for body in o)), None)
    rich = next((o for o in reversed(options) if any(body.kind == "html" for body in o)), None)
    if plain is not None and (rich is None or not _much_poorer(plain, rich)):
        return plain
    if rich is not None:
        return rich
    return next((o for o in options if o), [])


def _much_poorer(plain: list[_Body], rich: list[_Body]) -> bool:
    text = " ".join(" ".join(body.content for body in plain).split())
    if not text:
        return True
    html = " ".join(body.content for body in rich if body.kind == "html")[:50_000]  # enough to judge by
    visible = " ".join(unescape(_TAG.sub(" ", _INVISIBLE.sub(" ", html))).split())
    if len(visible) > 1.5 * len(text) and len(text) < 500 and _STUB_PLAIN.search(text):
        return True
    return len(visible) >= 80 and len(text) < 0.3 * len(visible)


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
