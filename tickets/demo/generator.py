"""Seed a demo tenant: teams, queues, categories, canned responses, contacts and a few hundred tickets.

Every ticket is played through the ticket services at its historical moment (`tickets.clock.replaying`), so the
audit trail and the change feed are real; replaying sends no mail and no webhooks. The plans come from
tickets.demo.conversations, deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from tenancy.demo import DEMO_SEED
from tenancy.services import members as member_services
from tickets import demo_custom_fields, services
from tickets.clock import replaying
from tickets.demo import attachments, cast, conversations
from tickets.demo.topics import TOPICS
from tickets.models import (
    Category,
    Channel,
    Contact,
    EscalationTier,
    Organisation,
    Queue,
    SupportAddress,
    Team,
    TeamMembership,
    Ticket,
)
from tickets.selectors.structure import DEFAULT_TIER_NAMES
from tickets.services import address_claims
from tickets.services.canned import create_canned_response
from tickets.services.satisfaction import rate_ticket

TICKETS_PER_TENANT = 300

TEAMS = {
    "Frontline": ["agent", "agent2", "supervisor"],
    "Billing": ["agent2", "agent3"],
    "Technical": ["agent", "agent3"],
}
QUEUES = [
    ("General", "Frontline", True, Queue.Strategy.ROUND_ROBIN),
    ("Billing", "Billing", False, Queue.Strategy.LEAST_LOADED),
    ("Technical", "Technical", False, Queue.Strategy.SKILL_BASED),
    ("Orders", "Frontline", False, Queue.Strategy.MANUAL),
]
# Routing's view of the staff: open tickets each takes at once, and skills (skill-based assignment matches them).
# The capacities fit the seeded history: about a third of TICKETS_PER_TENANT stays open (waiting on customers,
# on hold), some 25 to 35 on each agent and a few on the supervisor, so each keeps room for new tickets and the
# strategies visibly assign the demo's new requests (below the load, every one would wait unassigned).
# tests/demo_smoke.py checks the room and that a new portal request is assigned.
STAFF_ROUTING = {
    "supervisor": (10, ["English"]),
    "agent": (40, ["English", "German", "Printers"]),
    "agent2": (40, ["English", "Billing"]),
    "agent3": (45, ["English", "Billing", "Networking"]),
}
CANNED = [
    ("General", "Greeting", "Hi {{ contact.first_name }},\n\nThanks for contacting us about "
     "\"{{ ticket.subject }}\". I'm looking into it now.\n\n{{ agent.name }}", ""),
    ("General", "Need more details", "Hi {{ contact.first_name }},\n\nCould you send a screenshot and the time "
     "it happened? That helps us find it quickly.\n\n{{ agent.first_name }}", "pending"),
    ("Billing", "Refund issued", "Hi {{ contact.first_name }},\n\nWe've issued the refund for {{ ticket.number }}; "
     "it reaches your card within 5 to 10 working days.\n\n{{ agent.name }}", "resolved"),
    ("Technical", "Account unlocked", "Hi {{ contact.first_name }},\n\nYour account was locked after several "
     "failed sign-ins. I've unlocked it; sign in with your current password.\n\n{{ agent.first_name }}", "resolved"),
    ("Orders", "Replacement shipped", "Hi {{ contact.first_name }},\n\nA replacement is on its way; you'll get "
     "the tracking number by mail today.\n\n{{ agent.name }}", "resolved"),
]  # fmt: skip
DEMO_CUSTOMERS = ("customer", "customer2")


def _escalation_tiers() -> None:
    """The default escalation tiers, as a new tenant's setup makes them (demo tenants skip that setup): routing's
    demo rules and SLA's ladders escalate to them."""
    if not EscalationTier.objects.exists():
        for level, name in enumerate(DEFAULT_TIER_NAMES, start=1):
            EscalationTier.objects.create(level=level, name=name)


def seed(demo, *, seed: str | None = None, count: int = TICKETS_PER_TENANT, now: datetime | None = None) -> None:
    """Seed once: a tenant that has tickets keeps them (running the demo again keeps its data)."""
    _support_address(demo)
    _escalation_tiers()
    if Ticket.objects.exists():
        return
    for folder, title, body, status in CANNED:
        create_canned_response(
            actor=demo.people["supervisor"], title=title, body=body, folder=folder, shared=True, set_status=status
        )
    _staff_routing(demo.people)
    seed = seed or demo.tenant.slug
    names = {login: membership.user.full_name for login, membership in demo.people.items()}
    logins = {login: (names[login], demo.people[login].user.email) for login in DEMO_CUSTOMERS}
    people = cast.people(random.Random(f"{seed}:cast"), logins=logins)  # noqa: S311 - demo data
    stage = _Stage(
        people=demo.people,
        contacts=_contacts(demo, people),
        spammers=[services.get_or_create_contact(email=email, name=name) for name, email in conversations.SPAMMERS],
        queues=_queues(_teams(demo.people)),
        categories=_categories(),
    )
    plans = conversations.plan_tickets(
        seed=seed, count=count, now=now or timezone.now(), people=people, names=names,
        brand=demo.tenant.brand_name, slug=demo.tenant.slug,
    )  # fmt: skip
    for plan in plans:
        stage.play(plan)
    demo_custom_fields.seed(demo)


def _support_address(demo) -> None:
    """The address the demo's mail comes from (and replies thread back to): support@<slug>.<BASE_DOMAIN>, under
    the tenant's own host, so its claim is verified at once."""
    email = address_claims.own_address(demo.tenant)
    address_claims.claim_address(tenant=demo.tenant, email=email)
    SupportAddress.objects.get_or_create(
        email=email,
        defaults={"name": f"{demo.tenant.brand_name} Support", "is_default": not SupportAddress.objects.exists()},
    )


def _teams(people) -> dict[str, Team]:
    teams = {}
    for name, members in TEAMS.items():
        team = Team.objects.create(name=name)
        for local in members:
            TeamMembership.objects.create(team=team, membership=people[local])
        teams[name] = team
    return teams


def _queues(teams) -> dict[str, Queue]:
    return {
        name: Queue.objects.create(name=name, team=teams[team], is_default=default, assignment_strategy=strategy)
        for name, team, default, strategy in QUEUES
    }


def _staff_routing(people) -> None:
    """Demo agents start online, with capacities and skills, so new tickets are assigned at once."""
    for local, (capacity, skills) in STAFF_ROUTING.items():
        member = people[local]
        member_services.set_capacity(actor=DEMO_SEED, membership=member, capacity=capacity)
        member_services.set_skills(actor=DEMO_SEED, membership=member, names=skills)
        member_services.set_availability(membership=member, availability="online", actor=DEMO_SEED, reason="demo")


def _categories() -> dict[tuple[str, str], tuple[Category, Category]]:
    """The categories the topics name, parents in the order topics first use them."""
    tree: dict[str, list[str]] = {}
    for topic in TOPICS:
        children = tree.setdefault(topic.category, [])
        if topic.subcategory not in children:
            children.append(topic.subcategory)
    found = {}
    for position, (parent_name, children) in enumerate(tree.items()):
        parent = Category.objects.create(name=parent_name, position=position)
        for child_position, child_name in enumerate(children):
            child = Category.objects.create(name=child_name, parent=parent, position=child_position)
            found[(parent_name, child_name)] = (parent, child)
    return found


def _contacts(demo, people: list[cast.Person]) -> list[Contact]:
    organisations = {name: Organisation.objects.create(name=name) for name, _, _ in cast.ORGANISATIONS}
    contacts = []
    for person in people:
        organisation = organisations.get(person.organisation)
        if person.login:
            membership = demo.people[person.login]
            contact = services.get_or_create_contact(
                email=membership.user.email, name=person.name, organisation=organisation
            )
            contact.membership = membership
            contact.save(update_fields=["membership"])
        else:
            contact = services.get_or_create_contact(email=person.email, name=person.name, organisation=organisation)
        if person.vip:
            contact.tier = Contact.Tier.VIP
            contact.save(update_fields=["tier"])
        contacts.append(contact)
    return contacts


class _Stage:
    """Plays plans through the services, at each step's moment."""

    def __init__(self, *, people, contacts, spammers, queues, categories):
        self.people, self.contacts, self.spammers = people, contacts, spammers
        self.queues, self.categories = queues, categories
        self.auto_close = services.Automation(name="auto-close")

    def play(self, plan: conversations.TicketPlan) -> Ticket:
        contact = self.contacts[plan.person] if plan.person >= 0 else self.spammers[-1 - plan.person]
        owner = self.people[plan.owner] if plan.owner else None
        parent, child = self.categories.get((plan.category, plan.subcategory), (None, None))
        # A phone call is logged by the agent who took it; every other channel is the customer writing.
        creator = owner or self.people[conversations.QUEUE_AGENTS[plan.queue][0]]
        with replaying(plan.opened):
            ticket = services.create_ticket(
                actor=creator if plan.channel == Channel.PHONE else contact,
                contact=contact, subject=plan.subject, body=plan.body, channel=plan.channel,
                queue=self.queues[plan.queue], category=parent, subcategory=child, priority=plan.priority,
                tags=list(plan.tags), uploads=self._uploads(plan, plan.upload),
            )  # fmt: skip
        reply_channel = Channel.EMAIL if plan.channel == Channel.EMAIL else Channel.WEB
        for step in plan.steps:
            with replaying(step.at):
                self._step(plan, step, ticket, contact, owner, reply_channel)
        return ticket

    def _step(self, plan, step, ticket, contact, owner, reply_channel) -> None:
        if step.action == "claim":
            services.claim(ticket=ticket, actor=owner)
        elif step.action == "agent":
            services.reply(ticket=ticket, actor=owner, body=step.body, status=step.status or None)
        elif step.action == "customer":
            uploads = self._uploads(plan, step.upload)
            services.reply(ticket=ticket, actor=contact, body=step.body, uploads=uploads, channel=reply_channel)
        elif step.action == "note":
            services.add_note(ticket=ticket, actor=self.people[step.by] if step.by else owner, body=step.body)
        elif step.action == "escalate":
            services.escalate(ticket=ticket, level=1, actor=owner, reason=step.body)
        elif step.action == "status":
            actor = self.auto_close if step.status == "closed" else owner
            services.change_status(ticket=ticket, status=step.status, actor=actor)
        elif step.action == "rate":
            rate_ticket(ticket=ticket, contact=contact, score=step.score, comment=step.body)
        elif step.action == "duplicate":
            with replaying(step.at - timedelta(minutes=2)):
                copy = services.create_ticket(
                    actor=contact, contact=contact, subject=plan.subject, channel=Channel.EMAIL,
                    body="Sending this again in case my first message didn't reach you.\n\n" + plan.body,
                    queue=self.queues[plan.queue],
                )  # fmt: skip
            services.merge(source=copy, target=ticket, actor=owner, reason="Same request sent twice")
        else:
            raise ValueError(f"Unknown demo step {step.action!r}")

    def _uploads(self, plan, upload: tuple[str, str] | None) -> list[services.Upload]:
        if upload is None:
            return []
        name, kind = upload
        return [services.Upload(name=name, content=attachments.generate(kind, plan.facts))]
