"""Fill the reports' per-ticket facts (reporting.facts) from the events of existing tickets.

Run once after migrating to reporting 0005 (the change feed keeps the rows from then on), and again at any time:
each batch recomputes its tickets from their events, so a second run changes nothing. Batches are short
transactions of `--batch` tickets in id order, each in its tenant's scope (row-level security on), so the
command can run beside live traffic; at 811,000 tickets it took about a minute (docs/benchmarks.md).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reporting.facts.services import refresh_ticket_facts
from tenancy.context import tenant_context, unscoped
from tenancy.models import Tenant
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Compute the reports' per-ticket facts from the events (in batches; safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="only this tenant (slug)")
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, tenant: str | None = None, batch: int = 5000, **options) -> None:
        with unscoped():
            tenants = list(Tenant.objects.order_by("pk").filter(**({"slug": tenant} if tenant else {})))
        for each in tenants:
            began, after, rows = time.monotonic(), 0, 0
            with tenant_context(each):
                while True:
                    ids = list(Ticket.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
                    if not ids:
                        break
                    rows += refresh_ticket_facts(ticket_ids=ids)
                    after = ids[-1]
            self.stdout.write(f"{each.slug}: {rows} tickets with facts ({time.monotonic() - began:.0f} s)")
