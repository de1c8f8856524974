"""A message's plain text (html_to_mail_text): plain paragraphs skip the HTML parser and come out exactly as the
parser would give them."""

from __future__ import annotations

import random
import re
from html import unescape

import nh3

from tickets.mail import composing
from tickets.mail.composing import BLOCK_END, LINE_END, html_to_mail_text


def parsed(html: str) -> str:
    """html_to_mail_text with every text through the sanitiser (what it did before the shortcut)."""
    text = unescape(nh3.clean(LINE_END.sub("\n", BLOCK_END.sub("\n\n", html)), tags=set()))
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


ALPHABET = [*"abc XYZ\n\t\"'=/;:!?#%*()[]{}\\`~^|-_.,019", "\x0b", "\x0c", "\x01", "\x7f", "\u00a0", "\ufeff", "é",
            "ß", "😀", "\u2028", "\u0085", "\u200b", "\x80", "<", ">", "&", "&amp;", "&lt;", "\r", "<br>", "</p>",
            "<p>", "<b>", "</li>", "<script>x</script>"]  # fmt: skip


def test_mail_text_plain_paragraphs_read_as_the_parser_reads_them():
    # given random bodies, plain paragraphs and markup mixed, with entities, control and invisible characters
    rng = random.Random(11)  # noqa: S311 - reproducible test data
    shortcut = 0
    for _ in range(20_000):
        body = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        html = f"<p>{body}</p>" if rng.random() < 0.7 else body
        # then the text is the parser's, whichever path gave it
        assert html_to_mail_text(html) == parsed(html), repr(html)
        bare = LINE_END.sub("\n", BLOCK_END.sub("\n\n", html)).replace("<p>", "")
        shortcut += composing.NEEDS_PARSER.search(bare) is None
    # and both paths were taken many times
    assert 1_000 < shortcut < 19_000
