# ruff: noqa: RUF001  (the expected texts are full of CJK punctuation and typographic dashes)
"""Real-world mail read as a person would read it (issue 19): each .eml under tests/tickets/eml/ is a message
written the way a broken or unusual mailer writes it, with what a reader sees in it. Parsing only; the intake's
part (fallback senders, duplicates, names) is in test_email_intake.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tickets.mail.parsing import parse_email, trim_quoted

EML = Path(__file__).parent / "eml"


def _parse(name: str):
    return parse_email((EML / name).read_bytes())


# --- class 1: the sender ---------------------------------------------------------------------------------------

SENDERS = [
    # fixture, address, name, fallback header ("" = From)
    ("sender/encoded-name-with-comma.eml", "bernd.mueller@customer.example", "Müller, Bernd", ""),
    ("sender/q-encoded-name-with-raw-comma.eml", "bernd.mueller@customer.example", "Müller, Bernd", ""),
    ("sender/two-addresses-first-empty.eml", "pat@customer.example", "Pat Requester", ""),
    ("sender/two-from-headers-first-junk.eml", "pat@customer.example", "Pat Requester", ""),
    ("sender/no-from-sender-header.eml", "lee@customer.example", "Lee Sender", "sender"),
    ("sender/unusable-from-reply-to.eml", "jo@customer.example", "Jo Réply", "reply-to"),
    ("sender/trailing-dot-domain.eml", "user@yahoo.com", "Yahoo User", ""),
    ("sender/raw-8bit-latin1-name.eml", "joerg@customer.example", "Jörg Wächter", ""),
    ("sender/comment-name.eml", "pat@customer.example", "Pat Requester", ""),
]


@pytest.mark.parametrize(("fixture", "address", "name", "fallback"), SENDERS, ids=[s[0] for s in SENDERS])
def test_parse_sender_is_read_as_a_person_would(fixture, address, name, fallback):
    # when
    parsed = _parse(fixture)

    # then
    assert (parsed.from_address, parsed.from_name, parsed.from_fallback) == (address, name, fallback)


def test_parse_sender_taken_from_an_ambiguous_from_is_never_authenticatable():
    # given: two From headers, or two addresses in one, the first of them unusable
    for fixture in ("sender/two-addresses-first-empty.eml", "sender/two-from-headers-first-junk.eml"):
        # when
        parsed = _parse(fixture)

        # then: the address is read, but no receiver's verdict can be tied to it (tickets.mail.authentication)
        assert parsed.from_ambiguous, fixture


def test_parse_fallback_sender_is_flagged():
    # given / when
    parsed = _parse("sender/unusable-from-reply-to.eml")

    # then
    assert parsed.is_malformed
    assert "no valid From address: the address is taken from Reply-To" in parsed.defects


def test_parse_trailing_dot_is_dropped_from_recipients_too():
    assert _parse("sender/trailing-dot-domain.eml").to == ["support@acme.example", "lee@customer.example"]


def test_parse_header_continued_without_indentation_keeps_the_headers_after_it():
    # when
    parsed = _parse("sender/unindented-continuation.eml")

    # then
    assert parsed.subject == "A subject that a broken mailer folded without indenting the next line"
    assert parsed.to == ["support@acme.example"] and parsed.cc == ["lee@customer.example"]
    assert parsed.message_id == "s8@customer.example"
    assert parsed.text == "The body."
    assert "header line continued without indentation" in parsed.defects


# --- class 2: charsets -----------------------------------------------------------------------------------------

CHARSETS = [
    # fixture, name, subject, body
    (
        "charset/gb2312-label-gbk-text.eml",
        "张镕",
        "打印机着火了（镕）",
        "朱镕基总理说：打印机着火了，请尽快处理。",
    ),
    ("charset/ks-c-5601-1987.eml", "김똠", "똠 프린터", "똠방각하, 프린터에 불이 났습니다."),
    ("charset/iso-2022-jp-circled-digits.eml", "", "手順①②", "ご注文の件です。①②③の手順で直りました。"),
    ("charset/8bit-no-charset-cp1252.eml", "Renée Dupont", "Café brûlé", "Bonjour, le café est brûlé – “vraiment”."),
    ("charset/8bit-no-charset-cp1251.eml", "", "Printer", "Здравствуйте, принтер горит уже второй день."),
    ("charset/8bit-no-charset-utf8.eml", "Zoë", "Straße – kaputt", "Die Straße ist kaputt."),
    ("charset/adjacent-encoded-words.eml", "Café Crème", "Cafécrèmeä und mehr", "Body."),
    ("sender/raw-8bit-latin1-name.eml", "Jörg Wächter", "Grüße aus Köln", "Schöne Grüße."),
]


@pytest.mark.parametrize(("fixture", "name", "subject", "body"), CHARSETS, ids=[c[0] for c in CHARSETS])
def test_parse_charsets_are_decoded_as_written(fixture, name, subject, body):
    # when
    parsed = _parse(fixture)

    # then
    assert (parsed.from_name, parsed.subject, parsed.text) == (name, subject, body)
    assert "\ufffd" not in parsed.text + parsed.subject + parsed.from_name


# --- class 3: which body ---------------------------------------------------------------------------------------


def test_parse_empty_plain_alternative_shows_the_html():
    # when
    parsed = _parse("body/empty-plain-alternative.eml")

    # then
    assert parsed.html == "<p>The invoice for <b>March</b> is wrong.</p><p>Pat</p>"
    assert parsed.text == "The invoice for March is wrong.\n\nPat"


def test_parse_stub_plain_part_gives_way_to_the_complete_html():
    # when
    parsed = _parse("body/stub-plain-newsletter.eml")

    # then: the HTML, sanitised
    assert "Story 6" in parsed.html and "Paragraph 3 of the newsletter" in parsed.text
    assert "<script" not in parsed.html and "alert(1)" not in parsed.html and "color: red" not in parsed.html
    assert "Read this newsletter online" not in parsed.text


def test_parse_plain_part_as_rich_as_the_html_is_still_preferred():
    # given: the ordinary case, a plain part that says what the HTML says
    eml = (EML / "body/stub-plain-newsletter.eml").read_bytes()
    eml = eml.replace(b"Read this newsletter online: https://vendor.example/news/12", b"Story 1 to 6, " * 40)

    # when / then
    assert parse_email(eml).html == ""


def test_parse_extra_html_part_is_kept_as_an_attachment():
    # when
    parsed = _parse("body/extra-html-part.eml")

    # then
    assert parsed.text == "Please see the report below."
    [attachment] = parsed.attachments
    assert (attachment.name, attachment.content_type) == ("Server report 5_12.html", "text/html")
    assert b"All disks full." in attachment.content


def test_parse_html_split_around_an_inline_image_is_one_body():
    # when: Apple Mail's alternative of a stub plain part and HTML in pieces around a picture
    parsed = _parse("body/apple-mail-split-html.eml")

    # then
    assert "broken printer" in parsed.text and "paper tray" in parsed.text
    assert [a.name for a in parsed.attachments] == ["printer.png"]


# --- class 4: quoted history -----------------------------------------------------------------------------------

TRIMMED = [
    ("quotes/german-am-schrieb.eml", "Danke, jetzt geht es."),
    ("quotes/german-original-nachricht.eml", "Geht immer noch nicht."),
    ("quotes/french-a-ecrit.eml", "Merci, c'est réglé."),
    ("quotes/spanish-escribio.eml", "Gracias, ya funciona."),
    ("quotes/dutch-schreef.eml", "Bedankt, het werkt weer."),
    ("quotes/portuguese-escreveu.eml", "Obrigado, já funciona."),
    ("quotes/outlook-von-gesendet.eml", "Leider nein."),
    ("quotes/outlook-de-envoye.eml", "Toujours en panne."),
    ("quotes/outlook-de-enviado.eml", "Sigue sin funcionar."),
    ("quotes/outlook-van-verzonden.eml", "Nog steeds kapot."),
]


@pytest.mark.parametrize(("fixture", "new_part"), TRIMMED, ids=[t[0] for t in TRIMMED])
def test_trim_quoted_recognises_reply_headers_in_other_languages(fixture, new_part):
    # given
    text = _parse(fixture).text

    # when / then
    assert trim_quoted(text) == new_part


@pytest.mark.parametrize(
    "fixture", ["quotes/whole-mail-quoted.eml", "quotes/whole-mail-forwarded-outlook.eml"], ids=str
)
def test_trim_quoted_keeps_a_mail_that_is_all_quoted_or_forwarded(fixture):
    # given
    text = _parse(fixture).text

    # when
    trimmed = trim_quoted(text)

    # then: never reduced to its header line
    assert trimmed == text.strip()
    assert "Please send someone today." in trimmed


def test_trim_quoted_keeps_quoted_lines_without_an_attribution():
    # given
    text = _parse("quotes/quote-without-attribution.eml").text

    # when / then
    assert trim_quoted(text) == text.strip()
    assert "> ERROR 42: toner missing" in trim_quoted(text)


# --- class 6: attachments --------------------------------------------------------------------------------------


def test_parse_attached_mail_is_named_after_its_subject():
    # when
    parsed = _parse("attachments/forwarded-mail-8bit.eml")

    # then
    [attached] = parsed.attachments
    assert attached.name == "Beschwerde_ Lieferung 3_2026 fehlt.eml"
    assert attached.content_type == "message/rfc822"
    assert "Grüße".encode("latin-1") in attached.content
    assert parsed.text == "See the attached mail from our customer."


def test_parse_attached_mail_without_a_subject_gets_a_name():
    [attached] = _parse("attachments/forwarded-mail-no-subject.eml").attachments
    assert attached.name == "message-1.eml"


def test_parse_inline_images_keep_their_names_or_get_the_right_extension():
    # when
    parsed = _parse("attachments/inline-images.eml")

    # then
    assert [(a.name, a.inline, a.content_id) for a in parsed.attachments] == [
        ("image001.png", True, "image001.png@01DB4711.AABBCC00"),  # Content-Type's name
        ("inline-2.jpg", True, "part2"),  # declared octet-stream, detected JPEG
        ("image002.png", True, "image002.png@01DB4711.AABBCC00"),  # the Content-ID's file name
    ]


def test_parse_rfc2231_continued_filename():
    [attached] = _parse("attachments/rfc2231-filename.eml").attachments
    assert attached.name == "Größe der Rechnung.png"


# --- never raising, every fixture ------------------------------------------------------------------------------


def test_parse_every_fixture_and_random_bytes_without_raising():
    # given
    fixtures = sorted(EML.rglob("*.eml"))
    rng = random.Random(19)  # noqa: S311  (reproducible noise, not a secret)
    noise = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))) for _ in range(150)]
    # mangled fixtures: cut, and with random bytes spliced in
    mangled = []
    for path in fixtures:
        data = path.read_bytes()
        cut = rng.randrange(len(data))
        mangled += [data[:cut], data[:cut] + bytes(rng.randrange(256) for _ in range(50)) + data[cut:]]

    # when / then
    assert len(fixtures) >= 30
    for data in [*(p.read_bytes() for p in fixtures), *noise, *mangled]:
        parsed = parse_email(data)
        trim_quoted(parsed.text)
