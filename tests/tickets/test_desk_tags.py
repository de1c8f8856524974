"""The desk's template tags that write markup in one pass (tickets.templatetags.desk)."""

from __future__ import annotations

from tickets.models import Priority
from tickets.templatetags.desk import badge_buttons


def test_badge_buttons_write_the_bulk_bar_buttons_with_values_and_labels_escaped():
    # given priorities (int values) and a hostile label
    choices = [*Priority.choices[:1], ('x"y', "<b>Bold</b>")]
    # when the buttons are written
    html = badge_buttons(choices, "priority", "priority priority--")
    # then each is the bulk bar's button, every value and label escaped
    value, label = Priority.choices[0]
    assert html == (
        f'<button type="submit" name="do" value="priority:{value}" class="menu__item">'
        f'<span class="priority priority--{value}">{label}</span></button>'
        '<button type="submit" name="do" value="priority:x&quot;y" class="menu__item">'
        '<span class="priority priority--x&quot;y">&lt;b&gt;Bold&lt;/b&gt;</span></button>'
    )
