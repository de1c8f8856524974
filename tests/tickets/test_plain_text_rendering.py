"""tickets.content.render_plain_text: typed text becomes safe HTML with its links; the shortcut for text that
holds nothing urlize could link gives exactly urlize's result."""

from __future__ import annotations

import random

import pytest
from django.utils.html import linebreaks, urlize

from tickets.content import LINK_HINTS, render_plain_text, sanitize_html

WORDS = ["printer", "jammed", "again.", "(see", "ticket)", "it's", "<b>bold</b>", "a&b", '"quoted"', "x:y",
         "v1.2.3", "end.", "e.g.", "file.txt", "10:30", "C:\\path", "[note]", "café", "semi;colon", "&amp;",
         "hello,", "wwwhat", "httpx", "org-chart", "com", "...", "#42", "100%"]  # fmt: skip
LINKY = ["https://example.com/a?b=1&c=2", "www.example.org", "pat@example.com", "(http://x.io/y).",
         "EXAMPLE.COM", "mail:me@host.net", "hTTp://UPPER.example", "docs.python.org/3/", "a@b",
         "kim@help.desk.io"]  # fmt: skip


def _urlized(text: str) -> str:
    return sanitize_html(linebreaks(urlize(text.replace("\r\n", "\n"), nofollow=True, autoescape=True)))


def _texts(pool: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    separators = [" ", " ", " ", "\n", "\n\n", "\r\n", "\t", "  "]
    return ["".join(rng.choice(pool) + rng.choice(separators) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("pool", [WORDS, WORDS + LINKY], ids=["no links", "with links"])
def test_rendering_is_urlize_s_with_or_without_the_shortcut(pool):
    texts = _texts(pool, 400, seed=len(pool))
    for text in texts:
        assert render_plain_text(text) == _urlized(text), text
    # the texts without any link hint are the ones the shortcut serves, and there are some in both sets
    shortcut = [text for text in texts if not LINK_HINTS.search(text)]
    assert shortcut and (pool is WORDS) == (len(shortcut) == len(texts))


def test_a_typed_link_and_address_become_links_and_markup_is_escaped():
    html = render_plain_text("Call <script>x</script> or see https://example.com/help, or write to pat@example.com")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert 'href="https://example.com/help"' in html and 'href="mailto:pat@example.com"' in html
