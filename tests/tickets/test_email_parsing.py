"""Parsing raw mail with the standard library: bodies, charsets, headers, attachments, broken messages, and the
trimming of quoted history and signatures."""

from __future__ import annotations

import base64

from tests.tickets.mail_samples import PDF, PNG, bounce, build, raw
from tickets.mail.parsing import is_forwarded, parse_email, trim_quoted


def test_parse_multipart_alternative_prefers_plain_text():
    # given
    eml = build(body="Plain words.", html="<p>HTML <b>words</b>.</p>", cc="Lee <LEE@Customer.example>")

    # when
    parsed = parse_email(eml)

    # then
    assert parsed.text == "Plain words."
    assert parsed.html == ""
    assert parsed.from_address == "pat@customer.example"
    assert parsed.from_name == "Pat Requester"
    assert parsed.to == ["support@acme.example"]
    assert parsed.cc == ["lee@customer.example"]
    assert not parsed.is_malformed


def test_parse_html_only_is_sanitised():
    # given
    eml = raw(
        """From: pat@customer.example
To: support@acme.example
Subject: HTML only
Message-ID: <html-only@customer.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style><script>alert(1)</script></head>
<body><p onclick="steal()">First line</p><p>Second <a href="javascript:alert(2)">link</a></p>
<img src="https://tracker.example/pixel.gif"></body></html>
"""
    )

    # when
    parsed = parse_email(eml)

    # then
    assert "<script" not in parsed.html and "alert(1)" not in parsed.html
    assert "onclick" not in parsed.html and "javascript:" not in parsed.html and "<img" not in parsed.html
    assert "<p>First line</p>" in parsed.html
    assert parsed.text.splitlines()[0] == "First line"
    assert "Second link" in parsed.text


def test_parse_attachments_and_inline_image():
    # given
    eml = raw(
        f"""From: pat@customer.example
To: support@acme.example
Subject: Screenshot
Message-ID: <inline@customer.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>See <img src="cid:shot@x"> and the PDF.</p>
--rel
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <shot@x>
Content-Disposition: inline

{base64.b64encode(PNG).decode()}
--rel--
--outer
Content-Type: application/pdf; name="invoice.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="=?utf-8?q?Rechnung_M=C3=A4rz.pdf?="

{base64.b64encode(PDF).decode()}
--outer--
"""
    )

    # when
    parsed = parse_email(eml)

    # then
    assert [(a.name, a.content_type, a.inline) for a in parsed.attachments] == [
        ("inline-1.png", "image/png", True),
        ("Rechnung März.pdf", "application/pdf", False),
    ]
    assert parsed.attachments[0].content == PNG and parsed.attachments[0].content_id == "shot@x"
    assert parsed.attachments[1].content == PDF
    assert "See" in parsed.text


def test_parse_iso_8859_1_quoted_printable_body():
    # given
    eml = raw(
        """From: =?iso-8859-1?q?Ren=E9e_M=FCller?= <renee@customer.example>
To: support@acme.example
Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=
Message-ID: <latin1@customer.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Bonjour, le caf=E9 est br=FBl=E9.
"""
    )

    # when
    parsed = parse_email(eml)

    # then
    assert parsed.subject == "Café crème"
    assert parsed.from_name == "Renée Müller"
    assert parsed.text == "Bonjour, le café est brûlé."


def test_parse_shift_jis_base64_body_and_iso_2022_jp_subject():
    # given
    body = "プリンターが燃えています。"
    eml = raw(
        f"""From: tanaka@customer.example
To: support@acme.example
Subject: =?ISO-2022-JP?B?GyRCJVclaiVzJT8hPBsoQg==?=
Message-ID: <sjis@customer.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="Shift_JIS"
Content-Transfer-Encoding: base64

{base64.b64encode(body.encode("shift_jis")).decode()}
"""
    )

    # when
    parsed = parse_email(eml)

    # then
    assert parsed.subject == "プリンター"
    assert parsed.text == body


def test_parse_encoded_word_subject_split_over_folded_lines():
    # given
    eml = raw(
        """From: pat@customer.example
To: support@acme.example
Subject: =?utf-8?B?w4RwZmVs?=
 =?utf-8?Q?_und_Birnen_=E2=80=93_ein_sehr_langer_Betreff?=
 der weitergeht
Message-ID: <folded@customer.example>
References: <a@x.example>
 <b@x.example>
  <c@x.example>

Body.
"""
    )

    # when
    parsed = parse_email(eml)

    # then
    assert parsed.subject == "Äpfel und Birnen \u2013 ein sehr langer Betreff der weitergeht"
    assert parsed.references == ["a@x.example", "b@x.example", "c@x.example"]
    assert parsed.thread_ids == ["c@x.example", "b@x.example", "a@x.example"]


def test_parse_unknown_charset_is_read_not_an_error():
    # given
    eml = raw(
        "From: pat@customer.example\nTo: support@acme.example\nSubject: =?x-klingon?q?Qapla=FF?=\n"
        "Message-ID: <bad-charset@customer.example>\nContent-Type: text/plain; charset=x-klingon\n"
        "Content-Transfer-Encoding: 8bit\n\nbroken \udcff\udcfe bytes\n"
    )

    # when
    parsed = parse_email(eml)

    # then: an unknown label says nothing, so the bytes are detected (issue 19), never an error
    assert parsed.text == "broken ÿþ bytes"
    assert parsed.subject == "Qaplaÿ"


def test_parse_malformed_message_is_flagged_not_raised():
    # given: no header/body separator, a boundary that never comes, no From
    eml = raw(
        'To: support@acme.example\nSubject: broken\nContent-Type: multipart/mixed; boundary="nope"\n'
        "this line is not a header\n--elsewhere\ngarbage \udc80\udc81\n"
    )

    # when
    parsed = parse_email(eml)

    # then
    assert parsed.is_malformed
    assert "no valid From address" in parsed.defects
    assert any("Defect" in defect for defect in parsed.defects)


def test_parse_garbage_bytes_do_not_raise():
    # given / when
    parsed = parse_email(b"\x00\xff\xfe not an email at all \r\n\r\n\x80")

    # then
    assert parsed.is_malformed
    assert parsed.from_address == ""


def test_parse_auto_reply_and_list_headers_mark_mail_as_automatic():
    # given
    human = parse_email(build(headers={"Auto-Submitted": "no"}))
    autoreply = parse_email(build(headers={"Auto-Submitted": "auto-replied"}))
    bulk = parse_email(build(headers={"Precedence": "Bulk"}))
    outlook = parse_email(build(headers={"X-Autoreply": "yes"}))

    # then
    assert not human.is_automatic
    assert autoreply.is_automatic and bulk.is_automatic and outlook.is_automatic


def test_parse_bounce_finds_the_original_message_id_and_status():
    # given / when
    parsed = parse_email(bounce(original_id="tessera.acme.abc@localhost", status="5.2.2"))

    # then
    assert parsed.is_bounce
    assert parsed.bounced_message_ids == ["tessera.acme.abc@localhost"]
    assert parsed.bounce_status == "5.2.2"
    assert parsed.attachments == []


def test_parse_thread_index_root_is_the_first_22_bytes():
    # given
    root = bytes(range(22))
    reply = base64.b64encode(root + b"\x01\x02\x03\x04\x05").decode()

    # when
    parsed = parse_email(build(headers={"Thread-Index": reply}))

    # then
    assert parsed.thread_index_root == root.hex()
    assert parse_email(build(headers={"Thread-Index": "not base64!"})).thread_index_root == ""


def test_trim_quoted_cuts_on_wrote_block_and_quoted_lines():
    # given
    text = (
        "Thanks, that fixed it.\n\nOn Mon, 3 Mar 2025 at 10:00, Acme Support <support@acme.example>\nwrote:\n"
        "> Did you try turning it off?\n> \n> Acme"
    )

    # when / then
    assert trim_quoted(text) == "Thanks, that fixed it."


def test_trim_quoted_cuts_outlook_blocks_and_original_message():
    # given
    outlook = (
        "Still broken.\n\n________________________________\nFrom: Acme Support <support@acme.example>\n"
        "Sent: Monday, March 3, 2025 10:00 AM\nTo: Pat\nSubject: RE: Printer\n\nDid you try?"
    )
    original = "Yes.\n\n-----Original Message-----\nFrom: Acme\nSent: today\n\nQuestion?"

    # when / then
    assert trim_quoted(outlook) == "Still broken."
    assert trim_quoted(original) == "Yes."


def test_trim_quoted_drops_signature_and_keeps_text_when_everything_is_quoted():
    # given
    signed = "See attached.\n\n-- \nPat Requester\nCustomer Ltd, 555-0100"
    all_quoted = "> only a quote\n> nothing new"

    # when / then
    assert trim_quoted(signed) == "See attached."
    assert trim_quoted(all_quoted) == all_quoted


def test_forwarded_mail_is_recognised():
    # given
    text = "FYI.\n\n---------- Forwarded message ---------\nFrom: Lee <lee@x.example>\nDate: today\n\nBroken."

    # when / then
    assert is_forwarded("Fwd: invoice", "")
    assert is_forwarded("Invoice", text)
    assert not is_forwarded("Re: Invoice", "On Monday Lee wrote:\n> hi")


def test_parse_from_reads_the_address_before_decoding_the_name():
    # given the From of the red-team report: an encoded display name that reads like another address
    eml = raw(
        "From: =?utf-8?q?Real_Customer_=3Ccustomer=40acme=2Eexample=3E?= <attacker@evil.example>\n"
        "To: =?utf-8?q?=3Csupport=40acme=2Eexample=3E?= <help@evil.example>\nSubject: hi\n\nbody\n"
    )

    # when
    parsed = parse_email(eml)

    # then: the name stays a name, the address is the real one, in From and in To
    assert parsed.from_address == "attacker@evil.example"
    assert parsed.from_name == "Real Customer <customer@acme.example>"
    assert parsed.to == ["help@evil.example"]


def test_parse_from_never_takes_an_address_out_of_an_encoded_word():
    for header in ("=?utf-8?q?customer=40acme.example?=", "=?utf-8?q?customer?=@acme.example"):
        parsed = parse_email(raw(f"From: {header}\nSubject: hi\n\nbody\n"))
        assert parsed.from_address == "", header
        assert "no valid From address" in parsed.defects


def test_parse_from_with_two_addresses_or_nested_comments_is_flagged_not_raised():
    two = parse_email(raw("From: pat@customer.example, lee@customer.example\nSubject: hi\n\nbody\n"))
    nested = parse_email(raw(f"From: {'(' * 600}pat@customer.example\nTo: {'(' * 600}x@y.example\n\nbody\n"))
    assert two.from_ambiguous and "more than one From address" in two.defects
    assert nested.from_address == "" and nested.to == []


def test_parse_keeps_the_topmost_authentication_results_as_received():
    # given two headers, the receiving host's on top, folded
    eml = raw(
        "Authentication-Results: mx.tessera.test;\n dmarc=fail header.from=customer.example\n"
        "Authentication-Results: mx.tessera.test; dmarc=pass header.from=customer.example\n"
        "From: pat@customer.example\nSubject: hi\n\nbody\n"
    )

    # when / then
    assert parse_email(eml).authentication_results == "mx.tessera.test; dmarc=fail header.from=customer.example"
