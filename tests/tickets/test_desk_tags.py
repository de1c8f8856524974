"""The desk's one-pass tags write what the template loops they replaced wrote, escaping every value."""

from __future__ import annotations

from django.template import Context, Template

from tickets.models import Ticket
from tickets.templatetags.desk import ticket_items

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
