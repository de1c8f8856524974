"""Demo tickets for `manage.py seed_demo`: teams, queues, categories, contacts and a few hundred tickets with
conversations in every status over the last 90 days, all made through the services (so the audit trail and
the outbox are real), replayed at their historical times."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from tenancy.roles import Role
from tickets import demo_custom_fields, services
from tickets.clock import replaying
from tickets.errors import TicketError
from tickets.lifecycle import Status
from tickets.models import (
    Category,
    Channel,
    Contact,
    Organisation,
    Priority,
    Queue,
    SupportAddress,
    Team,
    TeamMembership,
    Ticket,
)
from tickets.services import address_claims
from tickets.services.canned import create_canned_response

TICKETS_PER_TENANT = 300

TEAMS = {
    "Frontline": ["agent", "agent2", "supervisor"],
    "Billing": ["agent2", "agent3"],
    "Technical": ["agent", "agent3"],
}
QUEUES = [("General", "Frontline", True), ("Billing", "Billing", False), ("Technical", "Technical", False)]
CATEGORIES = {
    "Billing": ["Invoices", "Refunds", "Payment methods"],
    "Technical": ["Sign-in problems", "Bug report", "Integrations"],
    "Account": ["Plan changes", "Data export"],
}
ORGANISATIONS = ["Northwind Traders", "Contoso Ltd", "Fabrikam", "Tailspin Toys", "Wide World Importers"]
FIRST = ["Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam"]
LAST = ["Okafor", "Schmidt", "Nakamura", "Silva", "Dubois", "Kowalski", "Haddad", "Novak", "Andersson", "Rossi"]
SUBJECTS = [
    ("Billing", "Invoices", "Invoice {n} shows the wrong VAT number"),
    ("Billing", "Refunds", "Refund for a duplicate charge"),
    ("Billing", "Payment methods", "Card declined when renewing"),
    ("Technical", "Sign-in problems", "Can't sign in after password reset"),
    ("Technical", "Bug report", "Export button does nothing in Firefox"),
    ("Technical", "Integrations", "Webhook deliveries failing since yesterday"),
    ("Account", "Plan changes", "Upgrade to the team plan"),
    ("Account", "Data export", "Need a full export of our data"),
]
CUSTOMER_LINES = [
    "Hi, this started this morning and is blocking our team. Could you take a look?",
    "Thanks for the quick answer. I tried that but it still happens.",
    "Here are the steps: open the page, click export, nothing downloads.",
    "That fixed it, thank you!",
]
AGENT_LINES = [
    "Thanks for reaching out. I'm looking into this now and will update you shortly.",
    "Could you send a screenshot of the error and the time it happened?",
    "We've applied a fix on our side. Can you confirm it works for you now?",
]
NOTES = ["Checked the logs: matches the known issue from last week.", "Asked billing to double-check the invoice."]


CANNED = [
    ("General", "Greeting", "Hi {{ contact.first_name }},\n\nThanks for contacting us about "
     "\"{{ ticket.subject }}\". I'm looking into it now.\n\n{{ agent.name }}", ""),
    ("General", "Need more details", "Hi {{ contact.first_name }},\n\nCould you send a screenshot and the time "
     "it happened? That helps us find it quickly.\n\n{{ agent.first_name }}", "pending"),
    ("Billing", "Refund issued", "Hi {{ contact.first_name }},\n\nWe've issued the refund for {{ ticket.number }}; "
     "it reaches your card within 5 working days.\n\n{{ agent.name }}", "resolved"),
]  # fmt: skip


def seed(demo) -> None:
    _support_address(demo)
    if Ticket.objects.exists():
        return  # seeded before: running the demo twice keeps its data
    for folder, title, body, status in CANNED:
        create_canned_response(
            actor=demo.people["supervisor"], title=title, body=body, folder=folder, shared=True, set_status=status
        )
    rng = random.Random(demo.tenant.slug)  # noqa: S311 - reproducible demo data, not security
    people = demo.people
    teams = _teams(people)
    queues = _queues(teams)
    categories = _categories()
    contacts = _contacts(demo, rng)
    agents = [m for m in people.values() if m.role in (Role.AGENT, Role.SUPERVISOR)]
    now = timezone.now()
    for index in range(TICKETS_PER_TENANT):
        opened = now - timedelta(
            days=90 * (TICKETS_PER_TENANT - index) / TICKETS_PER_TENANT, minutes=rng.randint(0, 600)
        )
        _ticket(rng, index, opened, now, contacts, queues, categories, agents)
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
        name: Queue.objects.create(name=name, team=teams[team], is_default=default) for name, team, default in QUEUES
    }


def _categories() -> dict[tuple[str, str], tuple[Category, Category]]:
    found = {}
    for position, (parent_name, children) in enumerate(CATEGORIES.items()):
        parent = Category.objects.create(name=parent_name, position=position)
        for child_position, child_name in enumerate(children):
            child = Category.objects.create(name=child_name, parent=parent, position=child_position)
            found[(parent_name, child_name)] = (parent, child)
    return found


def _contacts(demo, rng) -> list[Contact]:
    organisations = [Organisation.objects.create(name=name) for name in ORGANISATIONS]
    contacts = []
    for local in ("customer", "customer2"):
        membership = demo.people[local]
        contact = services.get_or_create_contact(email=membership.user.email, name=membership.user.full_name)
        contact.membership = membership
        contact.save(update_fields=["membership"])
        contacts.append(contact)
    for n in range(40):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        organisation = rng.choice(organisations)
        domain = organisation.name.lower().replace(" ", "") + ".example"
        contact = services.get_or_create_contact(
            email=f"{first}.{last}{n}@{domain}".lower(), name=f"{first} {last}", organisation=organisation
        )
        if n % 9 == 0:
            contact.tier = Contact.Tier.VIP
            contact.save(update_fields=["tier"])
        contacts.append(contact)
    return contacts


def _ticket(rng, index, opened, now, contacts, queues, categories, agents) -> None:
    parent_name, child_name, subject = rng.choice(SUBJECTS)
    parent, child = categories[(parent_name, child_name)]
    queue = queues.get(parent_name, queues["General"]) if rng.random() < 0.7 else queues["General"]
    contact = rng.choice(contacts)
    channel = rng.choice([Channel.WEB, Channel.WEB, Channel.EMAIL, Channel.EMAIL, Channel.PHONE, Channel.API])
    priority = rng.choices(list(Priority.values), weights=[2, 6, 3, 1])[0]
    moment = opened
    with replaying(moment):
        ticket = services.create_ticket(
            actor=contact,
            contact=contact,
            subject=subject.format(n=f"INV-{2000 + index}"),
            body=rng.choice(CUSTOMER_LINES[:3]),
            channel=channel,
            queue=queue,
            category=parent,
            subcategory=child,
            priority=priority,
        )
    age = now - opened
    # Older tickets are further along their lifecycle; the newest stay new or unassigned.
    fate = rng.random() * min(1.0, age / timedelta(days=20))
    steps = []
    if fate > 0.1:
        steps.append(("claim", rng.choice(agents)))
        steps.append(("reply", None))
    if fate > 0.3:
        steps.append(("customer", None))
    if fate > 0.4 and rng.random() < 0.3:
        steps.append(("note", None))
    if fate > 0.5:
        steps.append(("status", rng.choice([Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.RESOLVED])))
    if fate > 0.8:
        steps.append(("status", Status.CLOSED))
    if rng.random() < 0.05:
        steps.append(("escalate", None))
    if index % 97 == 13:
        steps = [("status", Status.SPAM)]
    owner = None
    for action, value in steps:
        moment = min(moment + timedelta(minutes=rng.randint(10, 60 * 30)), now)
        with replaying(moment):
            try:
                if action == "claim":
                    owner = value
                    ticket = services.claim(ticket=ticket, actor=owner)
                elif action == "reply":
                    services.reply(ticket=ticket, actor=owner, body=rng.choice(AGENT_LINES))
                elif action == "customer":
                    services.reply(ticket=ticket, actor=contact, body=rng.choice(CUSTOMER_LINES[1:]))
                elif action == "note":
                    services.add_note(ticket=ticket, actor=owner, body=rng.choice(NOTES))
                elif action == "status":
                    services.change_status(ticket=ticket, status=value, actor=owner or agents[0])
                elif action == "escalate":
                    services.escalate(ticket=ticket, level=1, actor=owner or agents[0], reason="customer waiting")
            except TicketError:
                continue
