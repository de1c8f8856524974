"""The vocabulary every condition type is written in: the limits on what an admin may type, the facts a predicate
reads, the shape of a condition type and the registry that holds them in the order the editor offers them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from routing.names import Names
from tenancy.errors import ServiceError

MAX_PATTERN = 500
MAX_WORDS = 50
PATTERN_MEMORY = 1 << 20  # RE2's memory budget for one pattern: a pattern that needs more is refused


class RuleError(ServiceError):
    """A rule that cannot be stored or compiled: the message says what to fix."""


@dataclass(frozen=True)
class Facts:
    """What conditions read of a ticket, its first message and its requester."""

    ticket_id: int
    channel: str
    received_address: str
    category_id: int | None
    subcategory_id: int | None
    priority: int
    queue_id: int | None
    subject: str
    body: str
    email: str
    tier: str
    organisation_id: int | None
    tags: frozenset[str]
    custom_fields: dict
    created_at: datetime | None
    is_follow_up: bool = False

    @cached_property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    # The text conditions read, prepared once per ticket however many rules test it (words compare case-folded;
    # RE2 searches UTF-8 bytes).
    @cached_property
    def subject_cf(self) -> str:
        return self.subject.casefold()

    @cached_property
    def body_cf(self) -> str:
        return self.body.casefold()

    @cached_property
    def text_cf(self) -> str:
        return f"{self.subject_cf}\n{self.body_cf}"

    @cached_property
    def subject_utf8(self) -> bytes:
        return self.subject.encode()

    @cached_property
    def body_utf8(self) -> bytes:
        return self.body.encode()

    @cached_property
    def text_utf8(self) -> bytes:
        return f"{self.subject}\n{self.body}".encode()


@dataclass
class Context:
    """Per-run memory for predicates that need the tenant's settings (read once per run, not per ticket)."""

    memo: dict = field(default_factory=dict)
    # The current ticket's word and pattern answers (routing.textscan), set by the engine before its rules run.
    scan: object = None


Predicate = Callable[[Facts, Context], bool]

ALL_FACTS = frozenset(name for name in Facts.__dataclass_fields__ if name != "ticket_id")


@dataclass(frozen=True)
class ConditionType:
    key: str
    label: str
    # op -> words ("is one of", "contains any of the words")
    operators: dict[str, str]
    parse: Callable[[str, str, Names], object]
    compile: Callable[[str, object], Predicate]
    describe: Callable[[str, object, Names], str]
    # The value as the editor shows it back in its text box.
    show: Callable[[str, object, Names], str] = lambda op, value, names: ""
    # Whether the stored value refers to this row (find_uses).
    uses: Callable[[str, object, object], bool] = lambda op, value, obj: False
    help_text: str = ""
    no_value_ops: frozenset[str] = frozenset()
    # The Facts fields the predicates read (the simulator fetches only those); every field when not declared.
    reads: frozenset[str] = ALL_FACTS
    # How a rule set compiles it (op, value, negate, routing.textscan.TextIndex) when that is faster than `compile`
    # with the negation around it; must decide exactly as `compile` does.
    fuse: Callable[[str, object, bool, object], Predicate] | None = None


REGISTRY: dict[str, ConditionType] = {}


def register(condition: ConditionType) -> ConditionType:
    """Add a condition type (idempotent by key: apps may be readied twice in tests)."""
    REGISTRY[condition.key] = condition
    return condition


def condition_type(key: object) -> ConditionType:
    found = REGISTRY.get(key) if isinstance(key, str) else None
    if found is None:
        raise RuleError(f"Unknown condition field “{str(key)[:40]}”.")
    return found
