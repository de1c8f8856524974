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

import base64
import binascii
import codecs
import email
import email.policy
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as StdMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html import unescape

import filetype
import nh3

from tickets.content import render_plain_text, sanitize_html

try:  # a well-kept detector for 8-bit text without a declared charset; without it, UTF-8 then cp1252
    import charset_normalizer
except ImportError:  # pragma: no cover - it comes with requests
    charset_normalizer = None

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
    # "sender" or "reply-to" when the mail had no usable From and the address was taken from that header: it
    # may open a new ticket, never join a conversation, and is never acknowledged (that would be backscatter).
    from_fallback: str = ""
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
    # The Date header when it is believable (aware, after 1990, not in the future): an import lands there.
    date: datetime | None = None
    # SHA-256 of what makes the message itself (From, Subject, Date and the body as sent), not of what servers
    # add on the way: the same message delivered twice has the same digest, another one reusing its
    # Message-ID (broken mailers do that) has not.
    content_digest: str = ""

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


def _defect_name(defect) -> str:
    return type(defect).__name__ if not isinstance(defect, str) else defect


# --- headers -----------------------------------------------------------------------------------------------------


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*)\?=")
# Labels that understate what the text uses: decode with the superset every mailer that writes them means (as
# the WHATWG Encoding Standard and the mail clients do). us-ascii with 8-bit bytes is treated as undeclared.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "euc-cn": "gb18030",
    "csgb2312": "gb18030", "chinese": "gb18030", "cp936": "gb18030", "windows-936": "gb18030",
    "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "ks_c_5601": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "euc-kr": "cp949", "korean": "cp949", "csksc56011987": "cp949", "windows-949": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "csshiftjis": "cp932",
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
    "big5": "big5hkscs", "x-unknown": "", "unknown-8bit": "", "us-ascii": "", "ascii": "", "x-user-defined": "",
}  # fmt: skip
# Tried on 8-bit text that declares no charset, after UTF-8; the first is what wins a tie.
PLAUSIBILITY_CHARS = 4000  # enough to tell the candidates apart; the scoring is a Python loop per character
_UNDECLARED = ("cp1252", "cp1251", "koi8_r", "cp1250", "cp1253", "cp1254", "cp1257", "gb18030", "cp932",
               "cp949", "big5hkscs", "cp1255", "cp1256", "cp874")  # fmt: skip
_QUIET_PUNCTUATION = frozenset(  # quotes, dashes, euro, copyright and the like
    "\u201c\u201d\u2018\u2019\u201e\u201a\u2013\u2014\u2026\u20ac\u2022\u00b7\u00ab\u00bb"
    "\u00b0\u00a7\u00a9\u00ae\u2122\u00d7\u00f7\u00bf\u00a1\u00a3\u00a5\u00a2\u00b5\u00b6\u00a0"
)


def decode_header_value(value: str, hint: str = "") -> str:
    """Decode encoded words (=?charset?...?=) with replacement characters; unfold; never raises. Whitespace
    between two encoded words is dropped (RFC 2047 section 6.2), and adjacent words in one charset are joined
    before decoding, so a character split between two words survives. Raw 8-bit text is read in `hint` (the
    charset the body declares), else detected."""
    value = str(value)[:MAX_HEADER_CHARS]
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" not in value:
        return _surrogates_out(value, hint).strip()
    try:
        return _decode_words(value, hint).strip()
    except Exception:
        return _surrogates_out(value, hint).strip()


def _decode_words(value: str, hint: str) -> str:
    pieces: list[tuple[str, bytes | str]] = []  # (charset, bytes) for encoded words, ("", text) for the rest
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        position = match.end()
        if between and not (between.isspace() and pieces and pieces[-1][0]):
            pieces.append(("", between))
        charset = match[1].split("*", 1)[0].lower() or "us-ascii"  # RFC 2231 adds a language: utf-8*de
        data = _word_bytes(match[2].lower(), match[3])
        if pieces and pieces[-1][0] == charset:
            pieces[-1] = (charset, pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
    if value[position:]:
        pieces.append(("", value[position:]))
    return "".join(
        decode_bytes(chunk, charset) if charset else _surrogates_out(chunk, hint) for charset, chunk in pieces
    )


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "replace")
    if encoding == "q":
        return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), data.replace(b"_", b" "))
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    data = data[: len(data) - len(data) % 4 if len(data) % 4 == 1 else len(data)]
    return base64.b64decode(data + b"=" * (-len(data) % 4))


def _surrogates_out(value: str, hint: str = "") -> str:
    # Undecodable 8-bit bytes in headers arrive as surrogate escapes: read them in the body's charset, else
    # as UTF-8, else detected.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return decode_bytes(value.encode("utf-8", "surrogateescape"), hint or None)
    return value


def _codec(charset: str | None) -> str | None:
    """The codec to read a declared charset with: its superset when the label understates, None when the
    label says nothing (missing, unknown-8bit, us-ascii) or names no codec we have."""
    if not charset:
        return None
    name = charset.strip().strip('"').strip("'").split("*", 1)[0].lower()
    name = _CHARSET_SUPERSETS.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset to text: the charset's codec (or the superset it stands for), else UTF-8,
    else detected; replacement characters only when nothing reads it cleanly."""
    if data.isascii() and b"\x1b" not in data:
        return data.decode("ascii")
    codec = _codec(charset)
    if codec == "iso2022_jp":
        return _iso2022_jp(data)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
        if codec == "cp1252":  # the five bytes cp1252 leaves undefined are Latin-1's C1 controls
            return data.decode("latin-1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec in _MULTIBYTE:  # a few bad bytes in a CJK text: the label is still right
        return data.decode(codec, "replace")
    return _detect(data)


_MULTIBYTE = frozenset({"gb18030", "cp949", "cp932", "big5hkscs", "big5", "euc_jp", "euc_jis_2004", "shift_jis_2004"})


def _detect(data: bytes) -> str:
    """8-bit text in an unknown charset: the candidates that read it cleanly (charset-normalizer's, when it is
    installed, on up to 20 kB), the most plausible one of them; short texts tie often, and cp1252 wins a tie."""
    sample = data[:20_000]
    candidates: list[str] = []
    if charset_normalizer is not None:
        try:
            matches = charset_normalizer.from_bytes(sample, cp_isolation=list(_UNDECLARED))
            least = min((m.chaos for m in matches), default=1.0)
            found = {codecs.lookup(m.encoding).name for m in matches if m.chaos <= least + 0.05}
            candidates = [name for name in (codecs.lookup(c).name for c in _UNDECLARED) if name in found]
        except Exception:
            candidates = []
    if not candidates:
        candidates = list(_UNDECLARED)
    best, best_score = "", None
    for codec in candidates:
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text[:PLAUSIBILITY_CHARS])
        if best_score is None or score > best_score:
            best, best_score = codec, score
    if not best:
        return data.decode("cp1252", "replace")
    return data.decode(best, "replace")


def _plausibility(text: str) -> int:
    """How much a decoding reads like text: letters of one script (ASCII letters count as Latin), mostly
    lower-case, few odd symbols. A Latin text carries few accented letters; one where most letters are
    accented is another script read in a Latin codepage."""
    accented = odd = upper = lower = 0
    scripts: dict[str, int] = {"LATIN": 0}
    plain: dict[str, int] = {}
    for char in text:
        if char < "\x80":
            scripts["LATIN"] += char.isalpha()
            continue
        category = unicodedata.category(char)
        if category[0] == "L":
            accented += 1
            script = unicodedata.name(char, "?").split(" ", 1)[0]
            script = "CJK" if script in ("HIRAGANA", "KATAKANA", "CJK", "HALFWIDTH", "FULLWIDTH") else script
            scripts[script] = scripts.get(script, 0) + 1
            plain[script] = plain.get(script, 0) + 1
            upper += category == "Lu"
            lower += category == "Ll"
        elif category[0] == "C":
            odd += 3
        elif char not in _QUIET_PUNCTUATION and category[0] != "Z":
            odd += 1
    dominant = max(scripts, key=scripts.__getitem__)
    letters = sum(scripts.values())
    score = plain.get(dominant, 0) - 2 * (letters - scripts[dominant]) - odd - max(0, upper - lower)
    if dominant == "LATIN" and plain.get("LATIN", 0) * 2 > scripts["LATIN"]:
        score -= plain["LATIN"]
    return score


def _iso2022_jp(data: bytes) -> str:
    """ISO-2022-JP as Japanese mailers write it: with the vendor rows (circled digits, Roman numerals, NEC's
    row 13) inside ESC $ B, which the strict codecs refuse. Each two-byte run is read as JIS X 0213 (which took
    NEC's row 13 over) through its EUC form; done per run with bytes.translate, so a large body stays fast."""
    for codec in ("iso2022_jp", "iso2022_jp_ext"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    out = []
    mode = "ascii"
    for piece in _ISO2022_JP_ESCAPE.split(data):
        if piece.startswith(b"\x1b"):
            mode = "kana" if piece == b"\x1b(I" else "ascii" if piece[1:2] == b"(" else "jis"
            continue
        if mode == "jis":
            out.append(piece.translate(_HIGH_BIT).decode("euc_jis_2004", "replace"))
        elif mode == "kana":
            out.append(piece.translate(_HIGH_BIT).decode("cp932", "replace"))  # half-width katakana
        else:
            out.append(piece.decode("cp932", "replace"))
    return "".join(out)


_ISO2022_JP_ESCAPE = re.compile(rb"(\x1b\$[@B]|\x1b\$\([OQ]|\x1b\([BJI])")
_HIGH_BIT = bytes(byte | 0x80 if 0x21 <= byte <= 0x7E else byte for byte in range(256))


def _hint_charset(message: StdMessage) -> str:
    """The first charset a text part declares (not us-ascii): the one its 8-bit headers are most likely in."""
    try:
        for index, part in enumerate(message.walk()):
            if index > 20:
                break
            charset = part.get_content_charset() if part.get_content_maintype() == "text" else None
            if _codec(charset) is not None:
                return charset
    except Exception:
        return ""
    return ""


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


# --- quoted history and signatures ---------------------------------------------------------------------------------

# "On <date>, <name> wrote:" and its translations; the verb may come before the name (German, Dutch).
_WROTE_VERBS = r"(wrote|schrieb|a écrit|escribió|escribio|schreef|escreveu|ha scritto|skrev|napisał|kirjoitti)"
_ON_WROTE = re.compile(
    rf"^\s*(on|am|le|el|op|em|il|den|på|w dniu)\b.{{0,400}}\b{_WROTE_VERBS}\b.{{0,300}}?\s*:\s*$", re.IGNORECASE
)
# "<name> wrote:" without a date: an attribution only when quoted lines follow it.
_NAME_WROTE = re.compile(rf"^.{{0,300}}\b{_WROTE_VERBS}\b.{{0,200}}?\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|original nachricht|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|oorspronkelijk bericht|origineel bericht|mensagem original|messaggio originale)\s*-{2,}",
    re.IGNORECASE,
)
# Outlook's header block: From, then Sent or Date within the next lines, in the languages Outlook writes.
_HEADER_LINE = re.compile(r"^\s*\*?(from|von|de|van|da|från|fra)\s*:\*?\s+\S", re.IGNORECASE)
_SENT_LINE = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoyé|date d'envoi|enviado|enviada|fecha|verzonden|data|inviato|"
    r"skickat|sendt)\s*:\*?\s+\S",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
    r"doorgestuurd bericht|mensagem encaminhada|messaggio inoltrato)\s*-{2,}|"
    r"(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié)\s*:)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst|i)\s*:", re.IGNORECASE)


def is_forwarded(subject: str, text: str) -> bool:
    """A forwarded mail: its quoted part IS the request, so nothing of it is trimmed."""
    return bool(_FORWARD_SUBJECT.match(subject)) or any(_FORWARD.match(line) for line in text.splitlines()[:200])


def _attribution_before(lines: list[str], index: int) -> int | None:
    """The attribution line ("… wrote:") right above a quoted line at `index` (blank lines between allowed)."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above < 0 or lines[above].lstrip().startswith(">"):
        return None
    line = lines[above]
    if _ON_WROTE.match(line) or _NAME_WROTE.match(line):
        return above
    # An attribution wrapped over two lines ("On Mon, 3 Mar 2025, Acme <support@…>" / "wrote:").
    if above > 0 and _ON_WROTE.match(f"{lines[above - 1]} {line}"):
        return above - 1
    return None


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the quoted history ("On … wrote:" and its translations, "-----Original
    Message-----", an Outlook "From: … Sent: …" block in the languages Outlook writes, ">" lines under an
    attribution) and at the signature after "-- ". Quoted lines with no attribution above them are a quote the
    sender chose, and stay. When the cut would leave nothing but an attribution or a header line (a mail that is
    all forward or quote), the whole text is kept: a mail is never reduced to its header line. The original
    stays downloadable whole from the ticket ("Original email")."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if _ORIGINAL.match(line) or _ON_WROTE.match(line) or (_starts_attribution(line) and _ON_WROTE.match(joined)):
            cut = index
            break
        if _HEADER_LINE.match(line) and any(_SENT_LINE.match(after) for after in lines[index + 1 : index + 5]):
            cut = index - 1 if index > 0 and _RULE.match(lines[index - 1]) else index
            break
        if line.lstrip().startswith(">") and (above := _attribution_before(lines, index)) is not None:
            cut = above
            break
        if line in ("-- ", "--"):
            cut = index
            break
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines[:cut])).strip()
    return trimmed if _says_something(trimmed) else text.strip()


def _starts_attribution(line: str) -> bool:
    return bool(re.match(r"^\s*(on|am|le|el|op|em|il|den|på)\s", line, re.IGNORECASE))


def _says_something(text: str) -> bool:
    """More than a forward marker, a rule or an attribution line."""
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or _RULE.match(line) or _FORWARD.match(line) or _ORIGINAL.match(line):
            continue
        if _ON_WROTE.match(line) or _NAME_WROTE.match(line) or _HEADER_LINE.match(line):
            continue
        return True
    return False
