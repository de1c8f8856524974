"""The desk's template tags that write markup in one pass (tickets.templatetags.desk): they write what the
template loops they replaced wrote, escaping every value."""

from __future__ import annotations

from django.template import Context, Template

from tickets.models import Priority, Ticket
from tickets.templatetags.desk import badge_buttons, ticket_items

# The ticket page's loop before ticket_items (templates/tickets/ticket.html, "Other requests").
LOOP = Template(
    "{% for t in contact_tickets %}\n"
    '            <li><a href="{{ ticket_url }}{{ t.number }}/">{{ prefix }}-{{ t.number }}</a> '
    '<span class="list__subject">{{ t.subject|truncatechars:40 }}</span> '
    '<span class="badge status status--{{ t.status }}">{{ t.get_status_display }}</span> '
    '<span class="muted small">{{ t.get_channel_display }}</span></li>\n'
    "            {% endfor %}"
)


def test_ticket_items_write_what_the_template_loop_wrote():
    # given tickets with markup, a long subject and accents in their subjects, under a prefix with markup
    tickets = [
        Ticket(number=7, subject="<script>alert(1)</script> & more", status="open", channel="email"),
        Ticket(number=12345, subject="Ceci est un sujet très long qui dépasse quarante caractères", status="pending"),
        Ticket(number=3, subject="Short", status="resolved", channel="phone"),
    ]
    context = {"contact_tickets": tickets, "ticket_url": "/desk/tickets/", "prefix": 'A"<b>'}
    # when written by the tag and by the loop
    written = ticket_items(tickets, "/desk/tickets/", 'A"<b>')
    # then they are the same, and nothing is live markup
    assert written == LOOP.render(Context(context))
    assert "<script>" not in written and "<b>" not in written and "…" in written


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
