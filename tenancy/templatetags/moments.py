"""The one way a page writes a moment (tenancy.times): `{{ x|when }}` "5 min ago" / "in 3 h", `{{ x|due }}`
"in 3 h" / "2 d overdue", each a <time> with the exact time in the viewer's zone on hover; `{{ x|exact }}`
"15 Jan 2026, 18:00 CET" as text, for what should read as a date."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tenancy import times

register = template.Library()

NOTHING = mark_safe("")


@register.filter(is_safe=True)
def when(moment) -> SafeString:
    """A filter rather than a tag: a tag binds its arguments through inspect on every call."""
    if not isinstance(moment, datetime):  # None (not set yet), or a template variable that does not exist
        return NOTHING
    return times.time_html(moment, times.relative_label(moment, timezone.now()))


@register.filter(is_safe=True)
def due(moment) -> SafeString:
    if not isinstance(moment, datetime):  # None (not set yet), or a template variable that does not exist
        return NOTHING
    label, overdue = times.due_label(moment, timezone.now())
    return times.time_html(moment, label, css_class="is-overdue" if overdue else "")


@register.filter
def exact(moment) -> str:
    if not isinstance(moment, datetime):
        return ""
    return times.exact_label(moment)
