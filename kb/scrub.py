"""Remove personal data from text that leaves a ticket (an article drafted from it) or that a visitor typed
(a search counted for the KB page, what a "no" voter said was missing)."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly split by spaces, dots, dashes or brackets, with an optional leading "+":
# phone numbers, but also card and account numbers, which are no better in an article.
PHONE_LIKE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")
URL_WITH_QUERY = re.compile(r"(https?://[^\s?#]+)[?#]\S*")


def scrub(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Replace email addresses, phone-like numbers, query strings of links and the given names."""
    text = EMAIL.sub("[email removed]", text)
    text = PHONE_LIKE.sub("[number removed]", text)
    text = URL_WITH_QUERY.sub(r"\1", text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name removed]", text, flags=re.IGNORECASE)
    return text


def name_parts(full_name: str) -> tuple[str, ...]:
    """The full name and each part of it long enough to be a name ("Pat Requester" -> both words)."""
    parts = [p for p in re.split(r"\s+", full_name.strip()) if len(p) >= 3]
    return (full_name.strip(), *parts) if full_name.strip() else ()
