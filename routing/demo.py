"""Demo data (found by seed_demo after tickets' demo): acme's routing rules, published, and its demo tickets routed
by them through the real engine.

Acme gets a Finance queue, a senior team's queue for VIP customers and an account team's queue for its enterprise
customer Northwind Traders (created through the services, as an admin would), and four rules: billing words or
the Billing category to Finance, outage words to urgent and the second escalation tier, VIP customers to the
senior team, Northwind to its account team.

The demo tickets' history was replayed, so their change-feed entries wait for the periodic sweep. This module
hands each waiting entry to routing's own subscriber function now (the code the sweep would run), so the
tickets show their routing reasons at once; when the sweep later delivers the entries, each is already decided
and nothing happens twice. Replayed changes are routed at their own moment and notify no one.
"""

from __future__ import annotations

from routing import services
from routing.feed import handle_change
from routing.models import Rule, RuleSetVersion
from tenancy.actors import Automation
from tickets.feed.dispatch import changes_of
from tickets.models import FeedEntry, Queue, Team
from tickets.services import queues as queue_services
from tickets.services import teams as team_services

DEMO = Automation("demo")
BATCH = 200

TEAMS = {
    "Finance": ["agent2", "agent3"],
    "Senior support": ["supervisor", "agent"],
    "Northwind account team": ["agent2"],
}
QUEUES = [
    ("Finance", "Finance", "least_loaded"),
    ("Senior support", "Senior support", "round_robin"),
    ("Northwind Traders", "Northwind account team", "skill_based"),
]


def cond(field: str, op: str, text: str = "") -> dict:
    return {"field": field, "op": op, "text": text}


def act(action: str, text: str = "") -> dict:
    return {"action": action, "text": text}


RULES = [
    {
        "name": "Outages",
        "conditions": [cond("text", "contains_any", "outage, is down, not loading, really slow, can't reach, 503")],
        "actions": [act("set_priority", "Urgent"), act("set_escalation", "2"), act("add_tags", "outage")],
    },
    {
        "name": "Billing",
        "match": "any",
        "conditions": [
            cond("category", "is", "Billing"),
            cond("text", "contains_any", "invoice, refund, charged twice, payment failed, billing"),
        ],
        "actions": [act("set_queue", "Finance"), act("add_tags", "billing")],
    },
    {
        "name": "VIP customers",
        "conditions": [cond("tier", "is", "VIP")],
        "actions": [act("set_queue", "Senior support"), act("set_priority", "High"), act("assign_strategy")],
    },
    {
        "name": "Northwind account",
        "conditions": [cond("organisation", "is", "Northwind Traders")],
        "actions": [
            act("set_queue", "Northwind Traders"),
            act("add_note", "Northwind Traders is an enterprise account: its account team answers within the hour."),
        ],
        "stop_processing": True,
    },
]


def seed(demo) -> None:
    if demo.tenant.slug != "acme" or RuleSetVersion.objects.exists():
        return
    admin = demo.people["admin"]
    teams = {team.name: team for team in Team.objects.all()}
    for name, members in TEAMS.items():
        if name not in teams:
            teams[name] = team_services.create_team(actor=admin, name=name)
            for login in members:
                team_services.add_team_member(actor=admin, team=teams[name], member=demo.people[login])
    for name, team, strategy in QUEUES:
        if not Queue.objects.filter(name=name).exists():
            queue_services.create_queue(actor=admin, name=name, team=teams[team], assignment_strategy=strategy)
    if not Rule.objects.exists():
        for rule in RULES:
            services.create_rule(actor=DEMO, **rule)
    services.publish_rules(actor=DEMO, note="Demo rules")
    route_waiting_entries()


def route_waiting_entries() -> int:
    """Hand every undone feed entry to routing's subscriber function, oldest first; return how many."""
    after, handled = 0, 0
    while True:
        entries = list(FeedEntry.objects.filter(done_at__isnull=True, pk__gt=after).order_by("pk")[:BATCH])
        if not entries:
            return handled
        after = entries[-1].pk
        for change in changes_of(entries):
            if change.events and not change.made_only_by("routing"):
                handle_change(change)
                handled += 1
