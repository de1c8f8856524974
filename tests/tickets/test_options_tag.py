"""The {% options %} tag that fills every menu of the desk: escaping, the selected option, and one list reused by
several menus of a page."""

from __future__ import annotations

from django.template import Context, Template
from django.utils.safestring import mark_safe

MENUS = Template("{% load desk %}{% for chosen in picks %}[{% options choices chosen %}]{% endfor %}")


def options(choices, selected=None) -> str:
    return MENUS.render(Context({"choices": choices, "picks": [selected]}))[1:-1]


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


def test_menus_sharing_one_list_each_mark_their_own_choice():
    # given one staff list rendered as a menu per row (the dashboard's reassign menus), with markup in a label
    staff = [(1, "Ana"), (2, "<Ben>"), (3, "Cleo")]
    # when three rows pick different people, or nobody
    html = MENUS.render(Context({"choices": staff, "picks": [2, None, 3]}))
    # then each menu marks its own row's choice only, escaped the same way each time
    one, two, three = html[1:-1].split("][")
    ana, ben, cleo = '<option value="1">Ana</option>', "&lt;Ben&gt;</option>", '<option value="3">Cleo</option>'
    assert one == f'{ana}<option value="2" selected>{ben}{cleo}'
    assert two == f'{ana}<option value="2">{ben}{cleo}'
    assert three.endswith('<option value="3" selected>Cleo</option>') and three.count("selected") == 1
