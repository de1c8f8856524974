"""URLs without arguments (the layout's links, the navigation), reversed once per process rather than at every
use: the staff layout and its navigation reversed twenty of them on each desk page, ~50 µs each.

A URL without arguments depends only on the URL conf, the script prefix and the namespace instance asked for, so
those are the key. The URL conf's resolver object is in it: Django replaces the resolver when its URL caches are
cleared (a test's ROOT_URLCONF, a reloaded conf), which leaves the old entries unused rather than stale."""

from __future__ import annotations

import functools

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse


def fixed_url(view_name: str, current_app: str | None = None) -> str:
    """reverse(view_name) for a URL that takes no arguments, as the request's URL conf and prefix have it."""
    urlconf = get_urlconf()
    return _reversed(get_resolver(urlconf), urlconf, get_script_prefix(), view_name, current_app)


@functools.lru_cache(maxsize=1024)
def _reversed(resolver, urlconf, prefix: str, view_name: str, current_app: str | None) -> str:
    # `resolver` and `prefix` are only the key: reverse() reads the same ones from the URL conf and the thread.
    return reverse(view_name, urlconf=urlconf, current_app=current_app)
