"""Decoding what broken encoders wrote: encoded words, understated charset labels, undeclared 8-bit text."""

from __future__ import annotations

import base64
import codecs
import re
import unicodedata
from email.message import Message as StdMessage

from tickets.mail.parsing.message import MAX_HEADER_CHARS

try:  # a well-kept detector for 8-bit text without a declared charset; without it, UTF-8 then cp1252
    import charset_normalizer
except ImportError:  # pragma: no cover - it comes with requests
    charset_normalizer = None

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
