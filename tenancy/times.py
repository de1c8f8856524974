"""Time zones and the one way Tessera writes a moment.

A page shows times in its viewer's zone: the user's own setting, else the tenant's (TimeZoneMiddleware activates
it for the request, so every `|date` and form renders in it). A mail shows them in its recipient's zone, composed
inside `timezone.override(...)`. Either way a moment reads one of two ways:

- relative, for "how long ago / how soon": `relative_label` and `due_label` below, one rule set for the desk,
  the portal, fragments and Python alike (largest whole unit, truncated: 119 s is "1 min ago");
- exact, for hover titles and mails: `exact_label`, "15 Jan 2026, 18:00 CET", always with the zone's
  abbreviation so a reader in another zone is never left guessing.

Month names are written from a fixed table rather than strftime's `%b`, which follows the process locale.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_UNITS = (
    (timedelta(days=365), "y"),
    (timedelta(days=30), "mo"),
    (timedelta(days=7), "wk"),
    (timedelta(days=1), "d"),
    (timedelta(hours=1), "h"),
    (timedelta(minutes=1), "min"),
)

# --- Zones ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones a person may choose: Area/Location names and UTC (not the legacy aliases such as "EST5EDT",
    "Factory" or "localtime", which the tz database keeps only for compatibility)."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    names = (name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(legacy))
    return (*sorted(names), "UTC")


@lru_cache(maxsize=1)
def _choosable() -> frozenset[str]:
    return frozenset(zone_names())


def unknown_zone_message(name: str) -> str:
    return f"“{name}” is not a time zone we know. Choose one from the list, e.g. Europe/Berlin or America/New_York."


def is_choosable_zone(name: str) -> bool:
    """Whether a person may pick `name` (what a form or service accepts: the tz database decides, not us)."""
    return name in _choosable()


@lru_cache(maxsize=512)
def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A stored name the tz database no longer knows (an upgrade removed it): UTC rather than a 500.
        return UTC


def zone_name_for(*, user=None, tenant=None) -> str:
    """The zone a person sees times in: their own setting, else their help desk's, else UTC."""
    own = getattr(user, "timezone", "") if user is not None else ""
    if own:
        return own
    return getattr(tenant, "timezone", "") or "UTC"


def zone_for(*, user=None, tenant=None) -> tzinfo:
    return _zone(zone_name_for(user=user, tenant=tenant))


# --- Relative ------------------------------------------------------------------------------------------------------


def short_duration(delta: timedelta) -> str:
    """3 min, 5 h, 2 d, 3 wk, 4 mo, 1 y: the largest whole unit, truncated (under a minute: "now")."""
    delta = abs(delta)
    for unit, label in _UNITS:
        if delta >= unit:
            return f"{delta // unit} {label}"
    return "now"


def relative_label(moment: datetime, now: datetime) -> str:
    """When something happened (or is planned): "just now" within a minute either way, "5 min ago", "in 3 h"."""
    label = short_duration(now - moment)
    if label == "now":
        return "just now"
    return f"{label} ago" if moment <= now else f"in {label}"


def due_label(moment: datetime, now: datetime) -> tuple[str, bool]:
    """A deadline: ("in 3 h", False), ("due now", False) within a minute of it, ("2 d overdue", True) after."""
    label = short_duration(moment - now)
    if label == "now":
        return "due now", False
    if moment < now:
        return f"{label} overdue", True
    return f"in {label}", False


# --- Exact ---------------------------------------------------------------------------------------------------------


def exact_label(moment: datetime, zone: tzinfo | None = None) -> str:
    """Like "15 Jan 2026, 18:00 CET", in `zone`, else the active zone (the viewer's on a page, the recipient's in a
    mail composed under timezone.override)."""
    local = timezone.localtime(moment, zone)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"


# --- Markup --------------------------------------------------------------------------------------------------------


def time_html(moment: datetime, text: str, *, css_class: str = "") -> SafeString:
    """<time> with the machine-readable instant, the exact time in the viewer's zone on hover, and `text` shown."""
    return mark_safe(f"{time_open(moment, css_class=css_class)}{escape(text)}</time>")  # noqa: S308


def time_open(moment: datetime, *, css_class: str = "") -> str:
    """time_html's opening tag, which depends only on the moment and the active zone (a cached page keeps it)."""
    # Written by hand rather than with format_html: the ticket page writes one per message and event. Only
    # `text` and the class can carry anything but digits, month names and a zone abbreviation.
    class_attr = f' class="{escape(css_class)}"' if css_class else ""
    return f'<time datetime="{moment.isoformat()}" title="{exact_label(moment)}"{class_attr}>'
