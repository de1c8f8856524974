"""{% icon %}: each name and class written once per process, the same markup every time."""

from __future__ import annotations

from unittest import mock

from django.template import Context, Template

from tenancy.templatetags import icons


def test_an_icon_is_written_once_and_the_same_each_time():
    source = '{% icon "inbox" %}|{% icon "inbox" "icon--lg" %}|{% icon "no-such-icon" %}'
    first = Template(source).render(Context())
    with mock.patch.object(icons, "format_html", wraps=icons.format_html) as writing:
        again = Template(source).render(Context())
    assert again == first and writing.call_count == 0
    inbox, large, unknown = first.split("|")
    assert inbox.startswith('<svg class="icon" viewBox="0 0 24 24"') and icons.ICONS["inbox"] in inbox
    assert large.startswith('<svg class="icon icon--lg"') and unknown.endswith('focusable="false"></svg>')
