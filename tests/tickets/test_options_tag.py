"""The {% options %} tag that fills every menu of the desk: escaping and the selected option."""

from __future__ import annotations

from django.utils.safestring import mark_safe

from tickets.templatetags.desk import options


def test_options_escape_values_and_labels_and_mark_the_selected_one():
    # given choices whose values and labels hold markup, and the selected value as a number
    choices = [(7, "<b>Ana</b> & co"), ('x" onmouseover="alert(1)', "Ben"), (8, mark_safe("<i>kept</i>"))]
    # when they become options
    html = options(choices, 7)
    # then nothing a person typed is markup, a label already safe is kept, and 7 alone is selected
    assert html == (
        '<option value="7" selected>&lt;b&gt;Ana&lt;/b&gt; &amp; co</option>'
        '<option value="x&quot; onmouseover=&quot;alert(1)">Ben</option>'
        '<option value="8"><i>kept</i></option>'
    )


def test_no_value_selects_the_empty_choice_and_nothing_else():
    # None and "" both mean "no value": the empty choice ("Unassigned", "Any") is the one shown
    for nothing in (None, ""):
        assert options([(1, "One"), ("", "None")], nothing) == (
            '<option value="1">One</option><option value="" selected>None</option>'
        )
    assert "selected" not in options([(1, "One"), (2, "Two")], None)
