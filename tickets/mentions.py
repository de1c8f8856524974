"""@mentions in internal notes: which of the tenant's active staff a note names.

A handle is the part of a staff member's email before the @ (`@agent2`), their whole email (`@agent2@acme.example`,
for when two people share a local part), or their full name written as one word with optional dots, dashes or
underscores (`@jane.doe`, `@JaneDoe`). Only staff of the tenant in scope can be found: the membership query is
tenant-scoped, so another tenant's people never match. A handle that fits more than one person names nobody:
notifying the wrong agent about an internal note is worse than notifying none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tenancy.models import Membership
from tenancy.selectors import list_staff

# Not preceded by a word character, @, dot, plus, dash or slash: "bob@agent2.com" and ".../@agent2" are no mentions.
MENTION = re.compile(r"(?<![\w@.+\-/])@([\w][\w.+\-]*(?:@[\w\-]+(?:\.[\w\-]+)+)?)", re.UNICODE)
# A note naming more people than this is a broadcast, not a mention; the rest are ignored.
MAX_MENTIONS = 20


def extract_handles(text: str) -> list[str]:
    """Return the handles written in `text`, lower-cased, in order, without duplicates or trailing punctuation."""
    handles: list[str] = []
    for match in MENTION.finditer(text or ""):
        handle = match.group(1).rstrip(".+-_").casefold()
        if handle and handle not in handles:
            handles.append(handle)
    return handles[:MAX_MENTIONS]


def _name_key(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def match_handles(handles: Iterable[str], staff: Iterable[Membership]) -> list[Membership]:
    """Resolve handles against `staff`: whole email, then email local part, then full name; ambiguous ones drop."""
    by_email: dict[str, list[Membership]] = {}
    by_local: dict[str, list[Membership]] = {}
    by_name: dict[str, list[Membership]] = {}
    for member in staff:
        email = member.user.email.casefold()
        by_email.setdefault(email, []).append(member)
        by_local.setdefault(email.partition("@")[0], []).append(member)
        name = _name_key(member.user.full_name)
        if name:
            by_name.setdefault(name, []).append(member)
    found: list[Membership] = []
    for handle in handles:
        candidates = by_email.get(handle) if "@" in handle else by_local.get(handle) or by_name.get(_name_key(handle))
        if candidates and len(candidates) == 1 and candidates[0] not in found:
            found.append(candidates[0])
    return found


def find_mentions(text: str) -> list[Membership]:
    """The active staff of the tenant in scope that `text` mentions (no query when it has no handle)."""
    handles = extract_handles(text)
    if not handles:
        return []
    staff = list_staff().only("id", "tenant_id", "role", "is_active", "user__email", "user__full_name")
    return match_handles(handles, staff)
