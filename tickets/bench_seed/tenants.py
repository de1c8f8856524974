"""The bench tenants' configuration, made through the normal services and the ORM (seed_bench's phase 1)."""

from __future__ import annotations

import random
from itertools import accumulate

from django.db import transaction

from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.models import User
from tenancy.roles import Role
from tenancy.services import add_member, create_tenant, get_or_create_user
from tickets.models import Category, CustomField, Organisation, Queue, Team, TeamMembership

from .rows import BENCH_FIELDS
from .vocabulary import FIRST, LAST

BENCH_SEED = Automation("benchmark seed")


def make_tenant(rng: random.Random, slug: str, size: int, password: str) -> dict:
    """A bench tenant with its people, teams, queues, categories, custom fields and organisations; what the bulk
    load needs of them is returned."""
    name = slug.replace("-bench", "").title() + " (bench)"
    domain = f"{slug}.bench.example"
    with transaction.atomic():
        created = create_tenant(
            slug=slug, name=name, admin_email=f"admin@{domain}", ticket_prefix=slug.split("-")[0][:6].upper()
        )
        tenant = created.tenant
        with tenant_context(tenant):
            agents_count = max(5, min(60, size // 15_000))
            staff = {"admin": created.admin}
            people = [("supervisor", "Sam Supervisor", Role.SUPERVISOR)] + [
                (f"agent{n}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", Role.AGENT) for n in range(1, agents_count + 1)
            ]
            for local, full_name, role in people:
                user = get_or_create_user(email=f"{local}@{domain}", full_name=full_name)
                staff[local] = add_member(user=user, role=role, actor=BENCH_SEED)
            User.objects.filter(pk__in=[m.user_id for m in staff.values()]).update(password=password)
            agents = [m for key, m in staff.items() if key.startswith("agent")] + [staff["supervisor"]]

            team_names = ["Frontline", "Billing", "Technical", "Logistics"]
            teams = [Team.objects.create(name=team) for team in team_names]
            for position, agent in enumerate(agents):
                TeamMembership.objects.create(team=teams[position % len(teams)], membership=agent)
                if position % 3 == 0:
                    TeamMembership.objects.create(team=teams[(position + 1) % len(teams)], membership=agent)
            queue_specs = [
                ("General", 0, 30), ("Billing", 1, 20), ("Technical", 2, 15), ("Accounts", 1, 10),
                ("Integrations", 2, 10), ("Deliveries", 3, 7), ("Returns", 3, 5), ("VIP", 0, 3),
            ]  # fmt: skip
            # The tenant's setup already made a default "General" queue and starter categories: reuse them.
            queues = [
                Queue.objects.update_or_create(name=qname, defaults={"team": teams[team], "is_default": position == 0})[
                    0
                ]
                for position, (qname, team, _) in enumerate(queue_specs)
            ]
            queue_weights = list(accumulate(weight for _, _, weight in queue_specs))
            categories = []
            for position, (parent_name, children) in enumerate(
                {
                    "Billing": ["Invoices", "Refunds", "Payment methods"],
                    "Technical": ["Sign-in problems", "Bug report", "Integrations"],
                    "Account": ["Plan changes", "Data export", "Users and access"],
                    "Orders": ["Delivery", "Returns", "Damaged item"],
                }.items()
            ):
                parent, _ = Category.objects.get_or_create(
                    name=parent_name, parent=None, defaults={"position": position}
                )
                for child_position, child_name in enumerate(children):
                    child, _ = Category.objects.get_or_create(
                        name=child_name, parent=parent, defaults={"position": child_position}
                    )
                    categories.append((parent.pk, child.pk))
            for position, (key, label, choices) in enumerate(BENCH_FIELDS):
                CustomField.objects.create(
                    key=key, label=label, type=CustomField.Type.CHOICE, position=position,
                    choices=[{"code": code, "label": text} for code, text, _ in choices],
                )  # fmt: skip
            organisations = [
                Organisation.objects.create(name=f"{rng.choice(LAST)} {kind} {n}", domain=f"org{n}.example")
                for n, kind in enumerate(["Ltd", "GmbH", "Inc", "SA", "BV"] * 8)
            ]
    return {
        "tenant": tenant,
        "size": size,
        "agents": [a.pk for a in agents],
        "queues": [(q.pk, q.team_id) for q in queues],
        "queue_weights": queue_weights,
        "categories": categories,
        "organisations": [o.pk for o in organisations],
        "supervisor_email": f"supervisor@{domain}",
        "domain": domain,
    }
