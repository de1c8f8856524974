"""Demo data (found by seed_demo, after tickets' and SLA's demo): the reports' per-ticket facts of the demo tickets.

The demo's history is replayed, so its feed entries wait for the periodic sweep; like sla.demo, this does not
wait: it computes the facts from the events now (the code the subscriber runs), so the speed and agents reports
show the demo's resolutions at once. When the sweep later hands the entries over, nothing changes.
"""

from __future__ import annotations

from reporting.facts.services import refresh_ticket_facts
from tickets.models import Ticket


def seed(demo) -> None:
    refresh_ticket_facts(ticket_ids=Ticket.objects.values_list("pk", flat=True))
