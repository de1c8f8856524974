"""tenancy.form_renderer.FastWidgets writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from tenancy.form_renderer import INPUT_INCLUDES, WRITERS, FastWidgets

HOSTILE = ['<script>alert("x")</script>', "\"><img src=x onerror='alert(1)'>", "a & b", ""]


class MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True  # as the composer's attachments (tickets.forms.MultipleFileInput)


class StoredFile:
    url = "/media/a.pdf?x=1&y=<2>"

    def __str__(self) -> str:
        return 'a "b" <c>.pdf'


def _widgets():
    for value in [None, *HOSTILE, 7, 1.5, mark_safe("<b>safe</b>"), gettext_lazy("Lazy <i>")]:
        yield forms.TextInput(attrs={"maxlength": 10, "data-x": '"q"', "required": True, "off": False}), value
        yield forms.HiddenInput(), value
        yield forms.EmailInput(attrs={"placeholder": HOSTILE[1]}), value
        yield forms.NumberInput(), value
        yield forms.Textarea(attrs={"rows": 5, "hx-post": "/a?b=1&c=2"}), value
        yield forms.PasswordInput(render_value=True), value
        yield forms.Select(choices=[("", "—"), ("a", HOSTILE[0]), (3, "three"), ("q", gettext_lazy("Lazy"))]), value
        yield forms.Select(choices=[("Group <1>", [("x", "X"), ("y", HOSTILE[1])]), ("z", "Z")]), value
        yield forms.Select(choices=[(1, 1), (2, dt.date(2026, 1, 2))]), value  # labels the template localises
        yield forms.CheckboxSelectMultiple(choices=[("a", "A"), ("b", HOSTILE[0])]), [value]
        yield forms.CheckboxInput(), value
        yield forms.ClearableFileInput(), None
        yield MultipleFiles(attrs={"accept": HOSTILE[1]}), None
    # A current file: the template's link and "Clear" checkbox (FastWidgets hands it to the template).
    yield forms.ClearableFileInput(), StoredFile()
    yield forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), dt.date(2026, 12, 6)
    yield forms.Textarea(), 1234567


@pytest.mark.parametrize(("widget", "value"), list(_widgets()))
def test_fast_widgets_write_what_the_templates_write(widget, value):
    # given a widget with a value (hostile text, numbers, safe and lazy strings, none)
    for name in ("field", 'na"me<'):
        # when both renderers write it
        fast = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=FastWidgets())
        slow = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=DjangoTemplates())
        # then byte for byte the same
        assert fast == slow


def test_templates_written_in_python_are_still_what_django_ships():
    # given Django's widget templates: the ones FastWidgets writes as "an include of input.html"
    folder = Path(django.__file__).parent / "forms" / "templates"
    for name in INPUT_INCLUDES:
        # then each is that include and nothing else (an upgrade that changes one fails here)
        assert (folder / name).read_text() == '{% include "django/forms/widgets/input.html" %}\n', name
    assert set(WRITERS) >= set(INPUT_INCLUDES)


def test_settings_use_fast_widgets():
    from django.conf import settings

    assert settings.FORM_RENDERER == "tenancy.form_renderer.FastWidgets"
