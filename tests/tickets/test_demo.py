"""The demo generator: topics whose replies answer the question, plans deterministic for a seed, played through
the services so the data looks like a desk's real history."""

from __future__ import annotations

import random
import string
from collections import Counter
from datetime import UTC, datetime

import pytest

from tenancy.context import tenant_context
from tenancy.demo import DemoTenant
from tests.conftest import make_member
from tickets.demo import attachments, cast, conversations
from tickets.demo.generator import QUEUES, seed
from tickets.demo.topics import BY_KEY, TOPICS
from tickets.lifecycle import Status
from tickets.models import Attachment, Channel, Message, SatisfactionRating, Ticket, TicketEvent
from tickets.services.attachments import validate_uploads

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NAMES = {
    "admin": "Ada Admin", "supervisor": "Sam Supervisor", "agent": "Alex Agent", "agent2": "Blake Agent",
    "agent3": "Casey Agent", "customer": "Chris Customer", "customer2": "Dana Customer",
}  # fmt: skip
# Topic keys other apps (the knowledge base, routing, SLA) seed against: they must not disappear.
PUBLISHED_KEYS = {
    "invoice-wrong-vat", "duplicate-charge-refund", "card-declined-renewal", "sign-in-after-password-reset",
    "export-button-firefox", "webhook-deliveries-failing", "upgrade-team-plan", "full-data-export",
}  # fmt: skip


def _plans(seed_text: str = "demo", count: int = 300) -> tuple[list[cast.Person], list]:
    logins = {login: (NAMES[login], f"{login}@acme.example") for login in ("customer", "customer2")}
    people = cast.people(random.Random(f"{seed_text}:cast"), logins=logins)  # noqa: S311
    plans = conversations.plan_tickets(
        seed=seed_text, count=count, now=NOW, people=people, names=NAMES, brand="Acme", slug="acme"
    )
    return people, plans


def _texts(topic) -> list[str]:
    exchanges = [*topic.clarifications, *topic.follow_ups]
    return [
        *topic.subjects, *topic.openings, *topic.answers, *topic.thanks, *topic.notes, *topic.complaints,
        topic.escalation, topic.waiting, *(e.ask for e in exchanges), *(e.answer for e in exchanges),
    ]  # fmt: skip


def test_topics_keep_the_published_keys_and_cover_the_desk():
    keys = [topic.key for topic in TOPICS]
    assert len(keys) == len(set(keys)) >= 25
    assert set(keys) >= PUBLISHED_KEYS
    assert {topic.queue for topic in TOPICS} == {name for name, *_ in QUEUES}
    assert {topic.category for topic in TOPICS} >= {"Billing", "Technical", "Account", "Orders"}
    for topic in TOPICS:
        assert len(topic.subjects) >= 2 and len(topic.openings) >= 2 and topic.answers, topic.key


def test_topic_templates_name_only_facts_the_planner_provides():
    # given one ticket's facts
    person = cast.Person("Ines", "Costa", "ines@lumen.example", "Lumen", "lumen.example", "Berlin")
    facts = conversations.facts(
        random.Random(1),  # noqa: S311
        person=person,
        agent="Alex Agent",
        supervisor="Sam",
        brand="Acme",
        slug="acme",
        opened=NOW,
    )
    for topic in TOPICS:
        for text in filter(None, _texts(topic)):
            # when a template is filled, then no placeholder is unknown or left over
            filled = text.format_map(facts)
            assert "{" not in filled.replace('{"', "").replace('"}', ""), (topic.key, text)
            # and a customer who says "attached" has a file to attach
            if conversations.ATTACHED.search(text) and text in (
                *topic.openings,
                *(e.answer for e in topic.clarifications),
            ):
                assert topic.attachment is not None, (topic.key, text)


def test_plans_are_the_same_for_the_same_seed_and_differ_for_another():
    _, first = _plans("same")
    _, again = _plans("same")
    _, other = _plans("other")
    assert first == again
    assert [plan.subject for plan in first] != [plan.subject for plan in other]


def test_plans_look_like_a_desks_history():
    _, plans = _plans()
    statuses = Counter(plan.status for plan in plans)
    channels = Counter(plan.channel for plan in plans)
    steps = [step for plan in plans for step in plan.steps]
    scores = [step.score for step in steps if step.action == "rate"]
    # every status, every intake channel, several long threads, notes, escalations, merges, attachments, ratings
    assert set(statuses) == set(Status.values)
    assert {Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.API} <= set(channels)
    assert sum(plan.messages >= 8 for plan in plans) >= 10
    assert max(plan.messages for plan in plans) <= 16
    assert sum(step.action == "note" for step in steps) >= 30
    assert sum(step.action == "escalate" for step in steps) >= 3
    assert sum(step.action == "duplicate" for step in steps) >= 3
    assert sum(plan.upload is not None for plan in plans) + sum(step.upload is not None for step in steps) >= 20
    assert sum(score <= 2 for score in scores) >= 5 and sum(score >= 4 for score in scores) >= 30
    assert len({plan.topic for plan in plans}) == len(TOPICS) + 1  # every topic, and spam
    assert len({plan.subject for plan in plans}) > 120
    ages = [NOW - plan.opened for plan in plans]
    assert max(ages).days >= 85 and min(ages).total_seconds() < 12 * 3600
    for plan in plans:
        moments = [plan.opened, *(step.at for step in plan.steps)]
        assert moments == sorted(moments) and moments[-1] < NOW, plan.subject


def test_agent_replies_answer_the_topic_the_customer_asked_about():
    # given the plans and each topic's own replies
    _, plans = _plans()
    for plan in plans:
        if plan.topic == "spam":
            continue
        topic = BY_KEY[plan.topic]
        own = [
            *topic.answers, *(e.ask for e in topic.clarifications), *(e.answer for e in topic.follow_ups),
            topic.waiting or conversations.WAITING[topic.queue], *conversations.ACKNOWLEDGEMENTS,
            *conversations.RESOLVE_AFTER_THANKS,
        ]  # fmt: skip
        filled = [text.format_map(plan.facts) for text in own if text]
        # then every agent reply carries one of its own topic's texts, never another topic's
        for step in plan.steps:
            if step.action == "agent":
                assert any(text in step.body for text in filled), (plan.topic, step.body)
        assert plan.subject in [subject.format_map(plan.facts) for subject in topic.subjects]


@pytest.mark.django_db
def test_generated_attachments_pass_the_upload_checks(tenant):
    # given a file of every kind the demo generates
    person = cast.Person("Ines", "Costa", "ines@lumen.example", "Lumen", "lumen.example", "Berlin")
    facts = conversations.facts(
        random.Random(2),  # noqa: S311
        person=person,
        agent="Alex Agent",
        supervisor="Sam",
        brand="Acme",
        slug="acme",
        opened=NOW,
    )
    from tickets.services import Upload

    uploads = [Upload(name=kind, content=attachments.generate(kind, facts)) for kind in attachments.GENERATORS]
    # when the attachment service checks them, then each is accepted as what it claims to be
    checked = {upload.name: kind for upload, kind in validate_uploads(tenant=tenant, uploads=uploads)}
    assert checked["screenshot"] == checked["parcel_photo"] == "image/png"
    assert checked["invoice_pdf"] == "application/pdf"
    assert checked["statement_csv"] == checked["contacts_csv"] == checked["webhook_log"] == "text/plain"
    assert checked["spam_example_eml"] == "message/rfc822"


@pytest.mark.django_db
def test_seed_plays_the_plans_through_the_services(tenant, other_tenant, settings, tmp_path):
    # given a tenant with the demo's people
    settings.MEDIA_ROOT = str(tmp_path)
    people = {login: make_member(tenant, _role(login), f"{login}@acme.example") for login in NAMES}
    for login, membership in people.items():
        membership.user.full_name = NAMES[login]
        membership.user.save(update_fields=["full_name"])
    # when the demo is seeded with a seed and a moment
    with tenant_context(tenant):
        seed(DemoTenant(tenant=tenant, people=people), seed="demo", count=60, now=NOW)
        tickets = {t.subject: t for t in Ticket.objects.all()}
        stored = list(Ticket.objects.filter(merged_into=None).order_by("created_at", "pk"))
        messages = Message.objects.count()
        events = TicketEvent.objects.count()
        ratings = SatisfactionRating.objects.count()
        files = Attachment.objects.count()
    # then the tickets are the plans, played with their history through the services
    _, plans = _plans("demo", count=60)
    assert [(t.subject, t.status, t.channel, t.created_at) for t in stored] == [
        (p.subject, p.status, p.channel, p.opened) for p in plans
    ]
    assert messages == sum(plan.messages for plan in plans) + sum(
        step.action == "duplicate" for plan in plans for step in plan.steps
    )
    assert events > messages and ratings > 0 and files > 0
    assert tickets  # and the other tenant sees none of it
    with tenant_context(other_tenant):
        assert not Ticket.objects.exists()


def _role(login: str) -> str:
    return login.rstrip(string.digits)
