"""URLs reversed once per process rather than at every use: those without arguments (the layout's links, the
navigation: the staff layout reversed twenty of them on each desk page, ~50 µs each), and the text around the
numbers of those whose arguments are numbers (a ticket's panels: the URL is written around the number).

A URL depends only on the URL conf, the script prefix, the namespace instance asked for and its arguments, so
those are the key. The URL conf's resolver object is in it: Django replaces the resolver when its URL caches are
cleared (a test's ROOT_URLCONF, a reloaded conf), which leaves the old entries unused rather than stale. A page's
own set of URLs (the desk lists' prefixes, tickets.views.queues.list_urls; the ticket page's actions) is kept by the
same key (reversed_once)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse

T = TypeVar("T")


def fixed_url(view_name: str, current_app: str | None = None, *, urlconf: str | None = None) -> str:
    """reverse(view_name) for a URL that takes no arguments, as the request's URL conf (or `urlconf`) and prefix
    have it."""
    urlconf = urlconf or get_urlconf()
    return _reversed(get_resolver(urlconf), urlconf, get_script_prefix(), view_name, current_app)


@functools.lru_cache(maxsize=1024)
def _reversed(resolver, urlconf, prefix: str, view_name: str, current_app: str | None) -> str:
    # `resolver` and `prefix` are only the key: reverse() reads the same ones from the URL conf and the thread.
    return reverse(view_name, urlconf=urlconf, current_app=current_app)


def numbered_url(
    view_name: str, numbers: tuple[int, ...], current_app: str | None = None, *, urlconf: str | None = None
) -> str:
    """reverse(view_name, args=numbers) for numbers (ints, not negative), written around them where the URL is
    plain text around its numbers, else by reverse() itself; in the request's URL conf, or `urlconf`."""
    urlconf = urlconf or get_urlconf()
    parts = _cut(get_resolver(urlconf), urlconf, get_script_prefix(), view_name, current_app, len(numbers))
    if parts is None:
        return reverse(view_name, urlconf=urlconf, args=numbers, current_app=current_app)
    return _around(parts, numbers)


# Stand-in arguments: one set cuts the URL, the others check that any number is written as itself (a pattern
# that refuses 0 or a long number, or writes a number otherwise, gets no cut and goes to reverse() each time).
STAND_INS = (918273645, 918273646, 918273647)
PROBES = ((927364501, 927364502, 927364503), (0, 0, 0), (7, 8, 9))


@functools.lru_cache(maxsize=1024)
def _cut(resolver, urlconf, prefix: str, view_name: str, current_app: str | None, count: int):
    if not 0 < count <= len(STAND_INS):
        return None
    try:
        rest, parts = reverse(view_name, urlconf=urlconf, args=STAND_INS[:count], current_app=current_app), []
        for stand_in in STAND_INS[:count]:
            head, found, rest = rest.partition(str(stand_in))
            if not found:
                return None
            parts.append(head)
        parts = (*parts, rest)
        for probe in PROBES:
            numbers = probe[:count]
            if reverse(view_name, urlconf=urlconf, args=numbers, current_app=current_app) != _around(parts, numbers):
                return None
    except NoReverseMatch:
        return None
    return parts


def _around(parts: tuple[str, ...], numbers: tuple[int, ...]) -> str:
    return parts[0] + "".join(f"{number}{part}" for number, part in zip(numbers, parts[1:], strict=True))


def reversed_once(function: Callable[[], T]) -> Callable[[], T]:
    """`function`, which takes no arguments and builds its value from reverse() calls, run once per process for
    each URL conf and script prefix (fixed_url's key): for a page's URLs that are no plain name each (a prefix
    that the page completes, a URL whose argument is a word)."""

    @functools.lru_cache(maxsize=16)
    def kept(resolver, urlconf, prefix: str) -> T:
        # Only the key, as in _reversed: reverse() reads the same URL conf and prefix from the thread.
        return function()

    @functools.wraps(function)
    def once() -> T:
        urlconf = get_urlconf()
        return kept(get_resolver(urlconf), urlconf, get_script_prefix())

    return once
