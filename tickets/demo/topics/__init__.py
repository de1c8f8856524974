"""The demo's topics: what customers write about, each with replies that answer it.

A public registry: other apps seed through it (the knowledge base writes an article per topic, routing and SLA
rules name its categories), so every topic has a stable `key` that never changes once published. Texts are
templates filled with one ticket's facts (`tickets.demo.conversations.facts`): `{first}`, `{agent}`, `{invoice}`…
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tickets.models import Channel


@dataclass(frozen=True)
class Exchange:
    """One question and its answer: an agent asks and the customer answers, or the other way round."""

    ask: str
    answer: str


@dataclass(frozen=True)
class AttachmentSpec:
    """A small file generated in code (tickets.demo.attachments) and sent by the customer."""

    kind: str  # a generator in tickets.demo.attachments.GENERATORS
    name: str  # a template, e.g. "{invoice}.pdf"


@dataclass(frozen=True)
class Topic:
    key: str  # stable: other apps refer to topics by it
    title: str  # what the problem is, in a few words (a knowledge-base article's working title)
    queue: str  # a queue of tickets.demo.generator.QUEUES
    category: str
    subcategory: str
    subjects: tuple[str, ...]
    openings: tuple[str, ...]  # the customer's first message
    answers: tuple[str, ...]  # the agent's reply that solves it
    clarifications: tuple[Exchange, ...] = ()  # the agent asks, the customer answers
    follow_ups: tuple[Exchange, ...] = ()  # after the answer, the customer asks more, the agent answers
    thanks: tuple[str, ...] = ()  # the customer confirms it is solved
    notes: tuple[str, ...] = ()  # internal notes between agents
    complaints: tuple[str, ...] = ()  # comments given with a poor rating
    escalation: str = ""  # why an agent escalates it, when one does
    waiting: str = ""  # the agent's reply when the ticket goes on hold (waiting on a third party)
    tags: tuple[str, ...] = ()
    attachment: AttachmentSpec | None = None
    # Weights for low, normal, high, urgent, and for the channels it arrives by.
    priorities: tuple[int, int, int, int] = (2, 6, 3, 1)
    channels: dict[str, int] = field(
        default_factory=lambda: {Channel.WEB: 4, Channel.EMAIL: 4, Channel.PHONE: 1, Channel.API: 1}
    )


def _registry() -> tuple[Topic, ...]:
    from tickets.demo.topics import account, billing, orders, technical

    found = (*billing.TOPICS, *technical.TOPICS, *account.TOPICS, *orders.TOPICS)
    keys = [topic.key for topic in found]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"Demo topic keys must be unique: {sorted(duplicates)}")
    return found


TOPICS: tuple[Topic, ...] = _registry()
BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}


def topic(key: str) -> Topic:
    """The topic with this key (KeyError names the known ones)."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"No demo topic {key!r}; known: {', '.join(sorted(BY_KEY))}") from None
