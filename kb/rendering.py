"""Article Markdown becomes safe HTML once, on save: markdown-it-py with raw HTML off, then nh3.

Raw HTML in the Markdown is shown as text (markdown-it escapes it), and nh3 then keeps only the conversation's
formatting tags (tickets.content) plus images and a few headings. Links may only be http, https or mailto (or a
path on this host); an image only from our own article-image storage or over https, so an article cannot pull a
tracker over plain http or smuggle a `javascript:` or `data:` URL in.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from tickets.content import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, html_to_text

MAX_MARKDOWN_CHARS = 100_000
TAGS = ALLOWED_TAGS | {"img", "h5", "h6", "del"}
ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}
# Our own image URLs (kb.urls: help/images/<id>/): the only non-https image source allowed.
OWN_IMAGE = re.compile(r"^/help/images/\d+/$")
SAFE_HREF = re.compile(r"^(?:https?://|mailto:|/|#)", re.IGNORECASE)

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.lower().startswith("https://") or OWN_IMAGE.match(value) else None
    if tag == "a" and attribute == "href":
        return value if SAFE_HREF.match(value.strip()) else None
    return value


def sanitize_article_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "template", "svg", "math", "iframe", "object", "noscript"},
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(markdown: str) -> str:
    """Markdown to sanitised HTML."""
    return sanitize_article_html(_markdown.render(markdown[:MAX_MARKDOWN_CHARS]))


def plain_text(html: str) -> str:
    return html_to_text(html)
