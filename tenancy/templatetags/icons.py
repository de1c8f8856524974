# ruff: noqa: E501 - SVG path data reads best unbroken
"""Inline SVG icons: `{% icon "inbox" %}`. A dictionary lookup, not an included template per icon (a page
shows a dozen of them)."""

import functools

from django import template
from django.utils.html import format_html, mark_safe

register = template.Library()

ICONS = {
    "inbox": (
        '<path d="M3 13h5l1.5 2.5h5L16 13h5"/><path d="M5.6 5h12.8L21 13v5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18v-5z"/>'
    ),
    "chart": ('<path d="M4 4v15.5h16"/><path d="M8.5 15.5v-4"/><path d="M12.5 15.5V8"/><path d="M16.5 15.5v-6"/>'),
    "book": ('<path d="M4.5 18.5V5.5a2 2 0 0 1 2-2h13v13.5h-13a2 2 0 0 0-2 2 2 2 0 0 0 2 2h13"/><path d="M9 7.5h6"/>'),
    "cog": (
        '<circle cx="12" cy="12" r="2.75"/><path d="M12 3.5v2.2M12 18.3v2.2M3.5 12h2.2M18.3 12h2.2M6 6l1.55 1.55M16.45 16.45 18 18M6 18l1.55-1.55M16.45 7.55 18 6"/><circle cx="12" cy="12" r="6.3"/>'
    ),
    "menu": ('<path d="M4 7h16M4 12h16M4 17h16"/>'),
    "x": ('<path d="M6.5 6.5l11 11M17.5 6.5l-11 11"/>'),
    "external": (
        '<path d="M14 4h6v6"/><path d="M20 4l-9 9"/><path d="M18 14v4.5a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 4 18.5v-11A1.5 1.5 0 0 1 5.5 6H10"/>'
    ),
    "logout": (
        '<path d="M9.5 4H6a1.5 1.5 0 0 0-1.5 1.5v13A1.5 1.5 0 0 0 6 20h3.5"/><path d="M15.5 16.5 20 12l-4.5-4.5"/><path d="M20 12H9.5"/>'
    ),
    "key": ('<circle cx="8" cy="15" r="4"/><path d="M11 12l8.5-8.5M16.5 6.5l2.5 2.5M14 9l2 2"/>'),
    "chevron": ('<path d="M7 10l5 5 5-5"/>'),
    "users": (
        '<circle cx="9" cy="8.5" r="3.5"/><path d="M2.5 19.5c.6-3.2 3.3-5.5 6.5-5.5s5.9 2.3 6.5 5.5"/><path d="M15.5 5.2a3.5 3.5 0 0 1 0 6.6M18 14.5c1.8.8 3.1 2.6 3.5 5"/>'
    ),
    "lock": ('<rect x="5" y="10.5" width="14" height="10" rx="2"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/>'),
    "mail": ('<rect x="3.5" y="5.5" width="17" height="13" rx="2"/><path d="M4 7l8 6 8-6"/>'),
    "check": ('<circle cx="12" cy="12" r="8.5"/><path d="M8.5 12.2l2.3 2.3 4.7-4.8"/>'),
    "shield": ('<path d="M12 3.5l7 2.8v5.2c0 4.3-3 7.7-7 9-4-1.3-7-4.7-7-9V6.3z"/><path d="M9 12l2 2 4-4"/>'),
    "clock": ('<circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/>'),
    "route": (
        '<circle cx="6" cy="18" r="2.5"/><circle cx="18" cy="6" r="2.5"/><path d="M8.5 18H15a3 3 0 0 0 0-6H9a3 3 0 0 1 0-6h6.5"/>'
    ),
    "user": ('<circle cx="12" cy="8.5" r="3.75"/><path d="M4.5 20c.7-3.7 3.8-6 7.5-6s6.8 2.3 7.5 6"/>'),
    "search": ('<circle cx="10.5" cy="10.5" r="6"/><path d="M15 15l5 5"/>'),
    "arrow": ('<path d="M5 12h14M13 6l6 6-6 6"/>'),
    "tiles": (
        '<rect x="3" y="3" width="8" height="8" rx="2" fill="currentColor" stroke="none"/><rect x="13" y="3" width="8" height="8" rx="2" fill="currentColor" stroke="none" opacity=".55"/><rect x="3" y="13" width="8" height="8" rx="2" fill="currentColor" stroke="none" opacity=".55"/><rect x="13" y="13" width="8" height="8" rx="2" fill="currentColor" stroke="none" opacity=".3"/>'
    ),
}


@register.simple_tag
def icon(name: str, css_class: str = ""):
    return _icon(str(name), str(css_class))


# Written once per process for each name and class (the staff layout alone shows nineteen on every desk page).
@functools.lru_cache(maxsize=256)
def _icon(name: str, css_class: str):
    paths = ICONS.get(name, "")
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        classes,
        mark_safe(paths),  # noqa: S308 - fixed markup from this module, never user input
    )
