"""Small files the demo's customers attach, made in code (no binary fixtures in the repository).

Each generator takes one ticket's facts and returns bytes that the attachment service accepts by their content
(a real PNG, a real PDF, UTF-8 text, an RFC 5322 message), so the demo exercises the same validation as uploads.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable

Rect = tuple[int, int, int, int, tuple[int, int, int]]  # x, y, width, height, colour


def png(width: int, height: int, background: tuple[int, int, int], rects: list[Rect]) -> bytes:
    """An RGB PNG of filled rectangles: enough for a believable screenshot or photo thumbnail."""
    rows = [bytearray(bytes(background) * width) for _ in range(height)]
    for x, y, w, h, colour in rects:
        span = bytes(colour) * max(0, min(w, width - x))
        for row in rows[max(0, y) : min(height, y + h)]:
            row[x * 3 : x * 3 + len(span)] = span
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 for every scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


@functools.cache
def _screenshot(error: bool) -> bytes:
    grey, light, white, blue, red = (229, 231, 235), (243, 244, 246), (255, 255, 255), (37, 99, 235), (220, 38, 38)
    rects: list[Rect] = [
        (0, 0, 800, 40, grey),  # browser toolbar
        (120, 8, 560, 24, white),  # address bar
        (0, 40, 180, 460, light),  # app sidebar
        (20, 70, 120, 12, (156, 163, 175)),
        (20, 100, 100, 12, (156, 163, 175)),
        (20, 130, 130, 12, (156, 163, 175)),
        (620, 60, 150, 36, blue),  # the button in question
    ]
    rects += [(210, 130 + 34 * i, 560, 14, grey) for i in range(9)]  # table rows
    if error:
        rects += [(210, 60, 390, 44, (254, 226, 226)), (222, 74, 250, 14, red)]
    return png(800, 500, white, rects)


def screenshot(facts: dict) -> bytes:
    return _screenshot(error=True)


@functools.cache
def _parcel() -> bytes:
    box, dark, tape = (181, 131, 90), (120, 82, 50), (214, 196, 150)
    rects: list[Rect] = [(90, 70, 300, 220, box), (90, 160, 300, 26, tape), (225, 70, 30, 220, tape)]
    rects += [(150 + 6 * i, 90 + 9 * i, 14, 10, dark) for i in range(18)]  # the crushed corner
    return png(480, 360, (200, 162, 122), rects)


def parcel_photo(facts: dict) -> bytes:
    return _parcel()


def invoice_pdf(facts: dict) -> bytes:
    """A one-page PDF invoice (the wrong VAT number on it), with a correct cross-reference table."""
    lines = [
        f"{facts['brand']} - Invoice {facts['invoice']}",
        f"Date: {facts['date']}",
        f"Bill to: {facts['org']}",
        f"VAT number: {facts['vat_wrong']}",
        f"{facts['plan']} plan, {facts['seats']} seats",
        f"Total: {facts['amount']}",
    ]
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(f"({_pdf_escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1", "replace")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def statement_csv(facts: dict) -> str:
    amount = facts["amount"]
    return (
        "Date,Description,Reference,Amount\n"
        f"{facts['date_iso']},{facts['brand']} {facts['plan']},{facts['ref_number']},-{amount}\n"
        f"{facts['date_iso']},{facts['brand']} {facts['plan']},{facts['ref_number2']},-{amount}\n"
    )


def contacts_csv(facts: dict) -> str:
    rows = ["name,email,company,customer_since"]
    for n in range(1, 41):
        day, month = 1 + (n * 7) % 28, 1 + (n * 5) % 12
        rows.append(f"Contact {n},contact{n}@{facts['domain']},{facts['org']},{day:02d}.{month:02d}.2024")
    return "\n".join(rows) + "\n"


def webhook_log(facts: dict) -> str:
    host = facts["webhook_host"]
    lines = [
        f"{facts['date_iso']}T0{hour}:{minute:02d}:12Z POST https://{host}/tessera 401 "
        f'{{"error": "invalid signature"}} attempt {attempt}'
        for hour, minute, attempt in ((6, 2, 1), (6, 4, 2), (6, 12, 3), (7, 44, 4), (9, 31, 5))
    ]
    return "\n".join(lines) + "\n"


def spam_example_eml(facts: dict) -> str:
    return (
        "Authentication-Results: mx.example.net; spf=softfail smtp.mailfrom=" + facts["domain"] + "; dkim=none\n"
        f"From: {facts['org']} Support <support@{facts['domain']}>\n"
        f"To: {facts['first'].lower()}@example.net\n"
        f"Subject: Re: [{facts['brand']}] We received your request\n"
        f"Date: {facts['date']} 09:14:03 +0000\n"
        "Message-ID: <demo-spam-check@example.net>\n"
        "\n"
        "Thanks for writing to us. We have your request and will reply soon.\n"
    )


GENERATORS: dict[str, Callable[[dict], bytes | str]] = {
    "screenshot": screenshot,
    "parcel_photo": parcel_photo,
    "invoice_pdf": invoice_pdf,
    "statement_csv": statement_csv,
    "contacts_csv": contacts_csv,
    "webhook_log": webhook_log,
    "spam_example_eml": spam_example_eml,
}


def generate(kind: str, facts: dict) -> bytes:
    content = GENERATORS[kind](facts)
    return content.encode() if isinstance(content, str) else content
