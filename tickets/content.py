"""What people type becomes safe HTML once, on write; templates then show it as is."""

from __future__ import annotations

import re
from html import unescape

import nh3
from django.utils.html import escape, linebreaks, urlize

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol",
    "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_BODY_CHARS = 200_000
# Django's urlize links only a word holding one of these (a scheme, "www.", an address's "@" or one of the seven
# top-level domains it knows); it reads every word to find out, a quarter of a millisecond for a short
# message. Without any of them its result is the text escaped, which is what most messages get.
LINK_HINTS = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    """Keep formatting, drop everything that can run or load: scripts, handlers, styles, images, frames, forms."""
    return nh3.clean(
        html[:MAX_BODY_CHARS],
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template", "svg", "math", "iframe", "object", "noscript"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_plain_text(text: str) -> str:
    """Plain text (what agents and the portal submit) to safe HTML: paragraphs, line breaks and links."""
    text = text.replace("\r\n", "\n")[:MAX_BODY_CHARS]
    # urlize escapes everything that is not a link; linebreaks then only adds <p> and <br>.
    linked = urlize(text, nofollow=True, autoescape=True) if LINK_HINTS.search(text) else escape(text)
    return sanitize_html(linebreaks(linked))


BLOCK_BOUNDARY = re.compile(r"<(?:br|/?(?:p|div|li|tr|td|th|h[1-6]|blockquote|pre|hr)\b)[^>]*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """A plain-text rendering of sanitised HTML, for search and previews: block and line breaks become spaces
    (so words never run together) and entities become characters."""
    spaced = BLOCK_BOUNDARY.sub(" ", html)
    return " ".join(unescape(nh3.clean(spaced, tags=set())).split())


def html_to_plain_text(html: str) -> str:
    """A message's body as plain text with its paragraphs and line breaks, derived from the one stored copy
    (the sanitised HTML): what the API, mentions and excerpts read; the same text a mail's text part gets."""
    from tickets.mail.composing import html_to_mail_text  # the mail package imports the models

    return html_to_mail_text(html)
