"""Plan the demo's tickets: who writes about which topic, through which channel, and how the conversation goes.

Planning touches no database: the same seed and the same `now` give the same plans (tests compare them), and the
generator (tickets.demo.generator) plays each plan through the ticket services. Every agent reply in a plan comes
from the ticket's own topic, so answers answer the question that was asked.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tickets.demo.cast import FIRST, LAST, Person
from tickets.demo.topics import TOPICS, AttachmentSpec, Topic
from tickets.lifecycle import Status
from tickets.models import Channel, Priority

# --- Facts: what fills a topic's templates ----------------------------------------------------------------------

ITEMS = ["barcode scanner", "label printer", "receipt printer", "card reader", "docking station", "headset"]
CARRIERS = ["DHL", "UPS", "DPD", "FedEx", "Royal Mail"]
PLANS = ["Starter", "Team", "Business"]
IDPS = ["Microsoft Entra ID", "Okta", "Google Workspace", "OneLogin"]
BROWSERS = ["Firefox 128", "Firefox 131", "Firefox ESR 115"]
PHONES = ["iPhone 13", "iPhone 15", "iPhone SE"]
STREETS = ["14 Canal Street", "3 Mill Lane", "221 Harbour Road", "8 Station Approach", "52 Kingsway"]
COUNTRIES = ["Germany", "the Netherlands", "Ireland", "Canada", "Spain"]
CURRENCY = {"acme": "£", "globex": "$"}


def facts(rng: random.Random, *, person: Person, agent: str, supervisor: str, brand: str, slug: str,
          opened: datetime) -> dict[str, str]:  # fmt: skip
    """One ticket's facts. Every placeholder any topic uses is here (a test checks it)."""
    currency = CURRENCY.get(slug, "€")
    seats = rng.choice([5, 8, 12, 15, 25, 40])
    major, minor = rng.randint(3, 5), rng.randint(0, 9)
    colleague_first, colleague_last = rng.choice(FIRST), rng.choice(LAST)
    item, item_other = rng.sample(ITEMS, 2)
    digits = "".join(rng.choice(string.digits) for _ in range(9))
    day = opened - timedelta(days=rng.randint(1, 6))
    return {
        "first": person.first,
        "full_name": person.name,
        "email": person.email,
        "org": person.organisation or person.name,
        "domain": person.domain,
        "city": person.city,
        "agent": agent.split(" ")[0],
        "supervisor": supervisor,
        "brand": brand,
        "brand_host": f"{slug}.example",
        "invoice": f"INV-{opened.year}-{rng.randint(1000, 9999)}",
        "amount": f"{currency}{seats * rng.choice([19, 29, 49])}.00",
        "seats": str(seats),
        "plan": rng.choice(PLANS),
        "vat": f"GB {digits[:3]} {digits[3:7]} {digits[7:]}",
        "vat_wrong": f"GB {digits[:3]} {digits[3:7][::-1]} {digits[7:]}",
        "last4": f"{rng.randint(0, 9999):04d}",
        "ref_number": f"PX{rng.randint(10**7, 10**8 - 1)}",
        "ref_number2": f"PX{rng.randint(10**7, 10**8 - 1)}",
        "arn": "".join(rng.choice(string.digits) for _ in range(23)),
        "refund_months": str(rng.randint(3, 9)),
        "po": f"PO-{rng.randint(40000, 49999)}",
        "date": f"{day.day} {day:%B}",
        "date_iso": f"{day:%Y-%m-%d}",
        "date_next": (lambda d: f"{d.day} {d:%B}")(opened + timedelta(days=rng.randint(2, 10))),
        "weekday": f"{opened + timedelta(days=2):%A}",
        "month": f"{opened - timedelta(days=rng.randint(60, 200)):%B}",
        "year": str(opened.year - 1),
        "time": f"{rng.randint(7, 11):02d}:{rng.randint(0, 59):02d}",
        "count": str(rng.choice([350, 1200, 2400, 5300, 12800])),
        "row": str(rng.randint(40, 900)),
        "export_size": f"{rng.randint(2, 40)} GB",
        "browser": rng.choice(BROWSERS),
        "version": f"{major}.{minor}.0",
        "version_next": f"{major}.{minor}.1",
        "phone_model": rng.choice(PHONES),
        "idp": rng.choice(IDPS),
        "colleague": f"{colleague_first} {colleague_last}",
        "contact_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "webhook_host": f"hooks.{person.domain}",
        "order": f"#{rng.randint(40000, 89999)}",
        "item": item,
        "item_other": item_other,
        "carrier": rng.choice(CARRIERS),
        "tracking": f"{rng.choice('JZ')}{rng.randint(10**9, 10**10 - 1)}",
        "tracking2": f"{rng.choice('JZ')}{rng.randint(10**9, 10**10 - 1)}",
        "street": rng.choice(STREETS),
        "postcode": f"{rng.randint(1000, 9999)}",
        "country": rng.choice(COUNTRIES),
    }


# --- What everyone says beyond the topic ------------------------------------------------------------------------

GREETINGS = ["Hi {first},", "Hello {first},", "Hi {first},", "Dear {first},"]
SIGN_OFFS = ["Best,\n{agent}", "Kind regards,\n{agent}\n{brand} Support", "Thanks,\n{agent}", "Cheers,\n{agent}"]
ACKNOWLEDGEMENTS = [
    "Thanks for the details. I'm looking into this now and will get back to you today.",
    "Thanks for reaching out. I've picked this up and am checking it on our side; you'll hear from me shortly.",
]
CHECK_BACK = "\n\nCould you let me know whether that works for you?"
RESOLVE_AFTER_THANKS = [
    "Glad to hear it. I'll close this ticket now; reply here if anything comes up again.",
    "Great, thanks for confirming. Marking this as solved.",
]
WAITING = {
    "Billing": "I've passed this to our billing provider and am waiting for their answer, usually within two working "
    "days. I'll update you as soon as I hear back.",
    "Technical": "I've reproduced this and handed it to our engineers with your details. I'll update you as soon as "
    "there is a fix or a workaround.",
    "Orders": "I've opened a trace with the carrier; they answer within two working days. I'll update you as soon "
    "as they do.",
    "General": "I've asked our account team to look at this and will update you as soon as they answer.",
}
ESCALATION_NOTES = [
    "Taking a look with {agent}. Customer has been waiting; prioritise this today.",
    "Approved. Go ahead, and tell the customer what we're doing about it.",
]
PRAISE = [
    "{agent} was quick and clear. Thanks!",
    "Solved in one reply, great service.",
    "Friendly and helpful, thank you {agent}.",
    "Very clear explanation.",
    "",
    "",
]
MIXED = ["Solved in the end, but it took a while.", "OK, though I had to explain it twice.", ""]
COMPLAINTS = ["Took far too long.", "Solved, but I had to answer the same questions twice."]
SPAM = [
    ("Boost your website's SEO ranking in 30 days", "Dear Sir/Madam, we guarantee first page on Google for "
     "your website. Reply for our price list."),
    ("Invoice payment overdue - immediate action required", "Please open the attached link to avoid "
     "suspension of your account: http://secure-payments.invalid/pay"),
    ("Partnership opportunity", "Hello, I am a marketing agency looking to buy sponsored posts on your blog."),
]  # fmt: skip
SPAMMERS = [("Leads Team", "offers@growth-leads.invalid"), ("Accounts Dept", "billing@pay-secure.invalid")]
ATTACHED = re.compile(r"\battached\b", re.IGNORECASE)


# --- Plans ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing that happens to a ticket, `at` a moment, played by tickets.demo.generator."""

    action: str  # claim | agent | customer | note | status | escalate | rate | duplicate
    at: datetime
    body: str = ""
    status: str = ""
    upload: tuple[str, str] | None = None  # (file name, generator kind)
    score: int = 0
    by: str = ""  # who acts when it is not the owner: "supervisor"


@dataclass(frozen=True)
class TicketPlan:
    topic: str  # a topic key, or "spam"
    person: int  # index into the cast
    owner: str  # the demo login of the agent who works it ("" when nobody does)
    subject: str
    body: str
    channel: str
    priority: int
    opened: datetime
    queue: str
    category: str
    subcategory: str
    tags: tuple[str, ...] = ()
    upload: tuple[str, str] | None = None
    steps: tuple[Step, ...] = field(default_factory=tuple)
    facts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # for generated attachments

    @property
    def status(self) -> str:
        """The status the ticket ends in."""
        final = Status.NEW
        for step in self.steps:
            if step.status:
                final = step.status
            elif (step.action == "agent" and final == Status.NEW) or (
                step.action == "customer" and final in (Status.PENDING, Status.RESOLVED)
            ):
                final = Status.OPEN
        return final

    @property
    def messages(self) -> int:
        return 1 + sum(step.action in ("agent", "customer", "note") for step in self.steps)


# The team that works each queue, by demo login (tickets.demo.generator.TEAMS and QUEUES hold the same).
QUEUE_AGENTS = {
    "General": ["agent", "agent2", "supervisor"],
    "Orders": ["agent", "agent2"],
    "Billing": ["agent2", "agent3"],
    "Technical": ["agent", "agent3"],
}


def plan_tickets(*, seed: str, count: int, now: datetime, people: list[Person], names: dict[str, str],
                 brand: str, slug: str) -> list[TicketPlan]:  # fmt: skip
    """`count` tickets opened over the last 90 days, oldest first; `names` maps demo logins to full names."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    plans = []
    for index in range(count):
        # Denser towards today, as a help desk's recent weeks are: a dozen tickets from the last day.
        age = timedelta(days=90) * ((count - index) / count) ** 1.6 + timedelta(minutes=rng.randint(0, 90))
        opened = now - age
        if index % 41 == 17:
            plans.append(_spam(rng, opened, people))
            continue
        topic = rng.choice(TOPICS)
        person = _requester(rng, people)
        owner = rng.choice(QUEUE_AGENTS[topic.queue])
        ticket_facts = facts(rng, person=people[person], agent=names[owner], supervisor=names["supervisor"],
                             brand=brand, slug=slug, opened=opened)  # fmt: skip
        plans.append(_conversation(rng, topic, person, people[person], owner, opened, now, ticket_facts))
    return plans


def _requester(rng: random.Random, people: list[Person]) -> int:
    """Mostly people at companies; the demo logins ask often enough to have a full portal."""
    logins = [index for index, person in enumerate(people) if person.login]
    if logins and rng.random() < 0.12:
        return rng.choice(logins)
    return rng.randrange(len(logins), len(people))


def _spam(rng: random.Random, opened: datetime, people: list[Person]) -> TicketPlan:
    subject, body = rng.choice(SPAM)
    return TicketPlan(
        topic="spam", person=-1 - rng.randrange(len(SPAMMERS)), owner="agent", subject=subject, body=body,
        channel=Channel.EMAIL, priority=Priority.NORMAL, opened=opened, queue="General", category="", subcategory="",
        steps=(Step("status", opened + timedelta(minutes=rng.randint(20, 300)), status=Status.SPAM),),
    )  # fmt: skip


def _final_status(rng: random.Random, age: timedelta) -> str:
    """Older tickets are further along; the newest are still new or being worked."""
    if age < timedelta(hours=12):
        weights = {Status.NEW: 5, Status.OPEN: 3, Status.PENDING: 1}
    elif age < timedelta(days=3):
        weights = {Status.NEW: 1, Status.OPEN: 4, Status.PENDING: 3, Status.ON_HOLD: 1, Status.RESOLVED: 3}
    elif age < timedelta(days=10):
        weights = {Status.OPEN: 2, Status.PENDING: 2, Status.ON_HOLD: 1, Status.RESOLVED: 6, Status.CLOSED: 2}
    else:
        weights = {Status.OPEN: 1, Status.PENDING: 1, Status.ON_HOLD: 1, Status.RESOLVED: 3, Status.CLOSED: 9}
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _conversation(rng: random.Random, topic: Topic, person_index: int, person: Person, owner: str,
                  opened: datetime, now: datetime, ticket_facts: dict) -> TicketPlan:  # fmt: skip
    def fill(text: str) -> str:
        return text.format_map(ticket_facts)

    def upload_for(text: str) -> tuple[str, str] | None:
        spec: AttachmentSpec | None = topic.attachment
        return (fill(spec.name), spec.kind) if spec and ATTACHED.search(text) else None

    channel = rng.choices(list(topic.channels), weights=list(topic.channels.values()))[0]
    greeting, sign_off = rng.choice(GREETINGS), rng.choice(SIGN_OFFS)

    def agent(text: str) -> str:
        return fill(f"{greeting}\n\n{text}\n\n{sign_off}")

    def customer(text: str) -> str:
        signature = f"\n\n{person.name}\n{person.organisation}" if channel == Channel.EMAIL else f"\n\n{person.first}"
        return fill(text) + (signature.rstrip() if rng.random() < 0.7 else "")

    final = _final_status(rng, now - opened)
    long = rng.random() < 0.12 and final not in (Status.NEW, Status.PENDING)
    opening = rng.choice(topic.openings)
    body = customer(opening)
    if channel == Channel.PHONE:
        body = fill(f"Phone call from {person.name}, {person.organisation}:\n\n") + fill(opening)
    steps: list[tuple[str, dict]] = []  # (action, fields) with the gap decided below
    if final != Status.NEW:
        steps.append(("claim", {}))
        if rng.random() < 0.06:
            steps.append(("duplicate", {}))
        if topic.notes and (long or rng.random() < 0.25):
            steps.append(("note", {"body": fill(rng.choice(topic.notes))}))
        asks = list(topic.clarifications)
        rng.shuffle(asks)
        asked = asks[: 3 if long else (1 if rng.random() < 0.45 else 0)]
        if final == Status.PENDING and not asked and asks:
            asked = asks[:1]
        for position, exchange in enumerate(asked):
            steps.append(("agent", {"body": agent(exchange.ask), "status": Status.PENDING}))
            if final == Status.PENDING and position == len(asked) - 1:
                break
            answer = customer(exchange.answer)
            steps.append(("customer", {"body": answer, "upload": upload_for(exchange.answer)}))
        escalated = topic.escalation and (rng.random() < (0.4 if long else 0.05))
        if escalated:
            steps.append(("escalate", {"body": topic.escalation}))
            steps.append(("note", {"body": fill(rng.choice(ESCALATION_NOTES)), "by": "supervisor"}))
        if final == Status.OPEN and not asked:
            steps.append(("agent", {"body": agent(rng.choice(ACKNOWLEDGEMENTS))}))
        if final == Status.ON_HOLD:
            steps.append(("agent", {"body": agent(topic.waiting or WAITING[topic.queue]), "status": Status.ON_HOLD}))
        elif final == Status.PENDING and not asked:
            steps.append(("agent", {"body": agent(rng.choice(topic.answers) + CHECK_BACK), "status": Status.PENDING}))
        elif final in (Status.RESOLVED, Status.CLOSED):
            steps += _resolution(rng, topic, long, agent, customer, fill, escalated)
            if final == Status.CLOSED:
                steps.append(("status", {"status": Status.CLOSED, "wait": "days"}))
    priority = rng.choices(list(Priority.values), weights=topic.priorities)[0]
    return TicketPlan(
        topic=topic.key, person=person_index, owner=owner if final != Status.NEW else "",
        subject=fill(rng.choice(topic.subjects)), body=body, channel=channel, priority=priority, opened=opened,
        queue=topic.queue, category=topic.category, subcategory=topic.subcategory, tags=topic.tags,
        upload=upload_for(opening), steps=_timed(rng, steps, opened, now), facts=ticket_facts,
    )  # fmt: skip


def _resolution(rng, topic: Topic, long: bool, agent, customer, fill, escalated) -> list[tuple[str, dict]]:
    steps: list[tuple[str, dict]] = []
    answer = rng.choice(topic.answers)
    confirm = rng.random() < 0.5 and topic.thanks
    steps.append(("agent", {"body": agent(answer + (CHECK_BACK if confirm else "")),
                            "status": Status.PENDING if confirm else Status.RESOLVED}))  # fmt: skip
    follow_ups = list(topic.follow_ups)
    rng.shuffle(follow_ups)
    for exchange in follow_ups[: 2 if long else (1 if rng.random() < 0.25 else 0)]:
        steps.append(("customer", {"body": customer(exchange.ask)}))
        steps.append(("agent", {"body": agent(exchange.answer), "status": Status.PENDING}))
        confirm = True
    if confirm:
        steps.append(("customer", {"body": customer(rng.choice(topic.thanks or ("Thanks, that works.",)))}))
        if rng.random() < 0.5:
            steps.append(("agent", {"body": agent(rng.choice(RESOLVE_AFTER_THANKS)), "status": Status.RESOLVED}))
        else:
            steps.append(("status", {"status": Status.RESOLVED}))
    if rng.random() < 0.55:
        # Unhappy mostly where it took long: escalated, or many rounds of questions.
        unhappy = rng.random() < (0.35 if escalated else 0.2 if long else 0.1)
        if unhappy:
            score = rng.choice([1, 2, 2])
            comment = rng.choice(topic.complaints or COMPLAINTS) if rng.random() < 0.8 else ""
        else:
            score = rng.choices([3, 4, 5], weights=[1, 3, 6])[0]
            comment = rng.choice(MIXED if score == 3 else PRAISE)
        steps.append(("rate", {"score": score, "body": fill(comment)}))
    return steps


GAPS = {  # minutes: who acts next, and how long after the previous step
    "claim": (4, 240),
    "duplicate": (5, 40),
    "note": (3, 90),
    "agent": (10, 480),
    "customer": (20, 2 * 24 * 60),
    "escalate": (5, 120),
    "status": (30, 24 * 60),
    "rate": (60, 2 * 24 * 60),
}


def _timed(rng: random.Random, steps: list[tuple[str, dict]], opened: datetime, now: datetime) -> tuple[Step, ...]:
    """Give each step its moment; a conversation longer than the ticket's age is squeezed to fit before now."""
    gaps = []
    for action, fields in steps:
        low, high = (3 * 24 * 60, 7 * 24 * 60) if fields.get("wait") == "days" else GAPS[action]
        gaps.append(timedelta(minutes=rng.randint(low, high)))
    room = now - timedelta(minutes=5) - opened
    total = sum(gaps, timedelta())
    if total > room:
        gaps = [gap * (room / total) for gap in gaps]
    moment, timed = opened, []
    for (action, fields), gap in zip(steps, gaps, strict=True):
        moment = moment + max(gap, timedelta(seconds=30))
        fields = {key: value for key, value in fields.items() if key != "wait" and value is not None}
        timed.append(Step(action, moment, **fields))
    return tuple(timed)
