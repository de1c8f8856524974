"""What a rule can test, declared once in a registry other apps extend (sla registers "inside business hours").

A stored condition is {"field", "op", "value", "negate"}. Each condition type knows how to read an admin's text
into a stored value (`parse`, refusing bad input with a message), how to compile a stored value into a predicate
over `Facts` (once per published version, not per ticket), how to say it in words, and which rows it refers to
(so deleting a queue or a category a rule uses is refused). Predicates read only `Facts`, which the engine builds
from one ticket and the simulator from set-based rows, so both decide alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from operator import attrgetter

import re2

from routing.names import Names
from tenancy.errors import ServiceError
from tickets.models import Channel, Contact, Priority

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


# ---- the pieces the types are built from ----


def split_list(text: str) -> list[str]:
    items = [" ".join(part.split()) for part in str(text).replace("\n", ",").split(",")]
    return [item for item in items if item]


def _require(items: list, label: str) -> list:
    if not items:
        raise RuleError(f"Give at least one value for “{label}”.")
    if len(items) > MAX_WORDS:
        raise RuleError(f"“{label}” takes at most {MAX_WORDS} values.")
    return items


def _codes(choices: list[tuple[object, str]], label: str) -> Callable[[str, str, Names], list]:
    """Values typed as codes or labels ("vip", "VIP", "Urgent"), stored as codes."""

    def parse(op: str, text: str, names: Names) -> list:
        known = {str(code).casefold(): code for code, _ in choices} | {name.casefold(): code for code, name in choices}
        codes = []
        for item in _require(split_list(text), label):
            if item.casefold() not in known:
                offered = ", ".join(name for _, name in choices)
                raise RuleError(f"“{item[:40]}” is not a {label.lower()}; choose from {offered}.")
            codes.append(known[item.casefold()])
        return codes

    return parse


def _code_words(choices: list[tuple[object, str]]) -> Callable[[object], str]:
    labels = dict(choices)
    return lambda code: str(labels.get(code, code))


def _rows(kind: str, label: str) -> Callable[[str, str, Names], list[int]]:
    def parse(op: str, text: str, names: Names) -> list[int]:
        ids = []
        for item in _require(split_list(text), label):
            pk = names.find(kind, item)
            if pk is None:
                raise RuleError(f"There is no {kind} “{item[:60]}”.")
            ids.append(pk)
        return ids

    return parse


def _strings(label: str, clean: Callable[[str], str] = str.casefold) -> Callable[[str, str, Names], list[str]]:
    def parse(op: str, text: str, names: Names) -> list[str]:
        if op in ("is_empty",):
            return []
        return [clean(item) for item in _require(split_list(text), label)]

    return parse


def _domain(text: str) -> str:
    cleaned = text.strip().lstrip("@").casefold()
    if "@" in cleaned or not cleaned or " " in cleaned:
        raise RuleError(f"“{text[:60]}” is not a mail domain (like example.com).")
    return cleaned


def _or(words: list[str]) -> str:
    quoted = [f"“{word}”" for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _and(words: list[str]) -> str:
    quoted = [f"“{word}”" for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def compile_pattern(pattern: object):
    """An RE2 pattern (linear time: no pattern can run away), case-insensitive; refused with RE2's reason."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleError("Give a pattern to match.")
    if len(pattern) > MAX_PATTERN:
        raise RuleError(f"Keep a pattern under {MAX_PATTERN} characters.")
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.never_capture = True
    options.max_mem = PATTERN_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as invalid:
        reason = invalid.args[0].decode() if invalid.args and isinstance(invalid.args[0], bytes) else str(invalid)
        raise RuleError(f"The pattern “{pattern[:60]}” is not valid: {reason}.") from None


# ---- choice conditions: channel, priority, tier ----


def _choice_type(key: str, label: str, choices: list[tuple[object, str]], attr: str):
    words = _code_words(choices)
    read = attrgetter(attr)

    def compile_(op: str, value: object) -> Predicate:
        wanted = frozenset(value)
        return lambda facts, ctx: read(facts) in wanted

    return ConditionType(
        key=key,
        label=label,
        operators={"is": "is"},
        parse=_codes(choices, label),
        compile=compile_,
        describe=lambda op, value, names: f"{label.lower()} is {' or '.join(words(code) for code in value)}",
        show=lambda op, value, names: ", ".join(words(code) for code in value),
        help_text=f"One or more of: {', '.join(name for _, name in choices)}.",
        reads=frozenset({attr}),
    )


register(_choice_type("channel", "Channel", list(Channel.choices), "channel"))
register(_choice_type("tier", "Contact tier", list(Contact.Tier.choices), "tier"))


def _priority_compile(op: str, value: object) -> Predicate:
    if op == "at_least":
        lowest = min(value)
        return lambda facts, ctx: facts.priority >= lowest
    wanted = frozenset(value)
    return lambda facts, ctx: facts.priority in wanted


_priority_words = _code_words(list(Priority.choices))
register(
    ConditionType(
        key="priority",
        label="Priority",
        operators={"is": "is", "at_least": "is at least"},
        parse=_codes(list(Priority.choices), "Priority"),
        compile=_priority_compile,
        describe=lambda op, value, names: (
            f"priority is at least {_priority_words(min(value))}"
            if op == "at_least"
            else f"priority is {' or '.join(_priority_words(code) for code in value)}"
        ),
        show=lambda op, value, names: ", ".join(_priority_words(code) for code in value),
        help_text="Low, Normal, High or Urgent.",
        reads=frozenset({"priority"}),
    )
)


# ---- rows: category, subcategory, organisation ----


def _row_type(key: str, label: str, kind: str, attr: str, help_text: str):
    read = attrgetter(attr)

    def compile_(op: str, value: object) -> Predicate:
        if op == "is_empty":
            return lambda facts, ctx: read(facts) is None
        wanted = frozenset(value)
        return lambda facts, ctx: read(facts) in wanted

    def describe(op: str, value: object, names: Names) -> str:
        if op == "is_empty":
            return f"{label.lower()} is not set"
        return f"{label.lower()} is {' or '.join(names.name(kind, pk) for pk in value)}"

    return ConditionType(
        key=key,
        label=label,
        operators={"is": "is", "is_empty": "is not set"},
        parse=_rows(kind, label),
        compile=compile_,
        describe=describe,
        show=lambda op, value, names: ", ".join(names.name(kind, pk) for pk in value or ()),
        uses=lambda op, value, obj: type(obj).__name__.casefold() == kind and obj.pk in (value or ()),
        help_text=help_text,
        no_value_ops=frozenset({"is_empty"}),
        reads=frozenset({attr}),
    )


register(_row_type("category", "Category", "category", "category_id", "Category names, comma-separated."))
register(
    _row_type("subcategory", "Subcategory", "category", "subcategory_id", "“Parent / Child” names, comma-separated.")
)
register(
    _row_type("organisation", "Organisation", "organisation", "organisation_id", "Organisation names, comma-separated.")
)


# ---- addresses ----


def _address_type(key: str, label: str, attr: str, clean: Callable[[str], str], help_text: str):
    read = attrgetter(attr)

    def compile_(op: str, value: object) -> Predicate:
        if op == "is_empty":
            return lambda facts, ctx: not read(facts)
        wanted = frozenset(value)
        if key == "requester_domain":
            suffixes = tuple(f".{domain}" for domain in wanted)
            return lambda facts, ctx: read(facts) in wanted or read(facts).endswith(suffixes)
        return lambda facts, ctx: read(facts) in wanted

    def describe(op: str, value: object, names: Names) -> str:
        return f"{label.lower()} is empty" if op == "is_empty" else f"{label.lower()} is {_or(value)}"

    return ConditionType(
        key=key,
        label=label,
        operators={"is": "is", "is_empty": "is empty"},
        parse=_strings(label, clean),
        compile=compile_,
        describe=describe,
        show=lambda op, value, names: ", ".join(value or ()),
        help_text=help_text,
        no_value_ops=frozenset({"is_empty"}),
        reads=frozenset({"email" if attr == "domain" else attr}),
    )


def _email(text: str) -> str:
    cleaned = text.strip().casefold()
    if cleaned.count("@") != 1 or " " in cleaned:
        raise RuleError(f"“{text[:60]}” is not an email address.")
    return cleaned


register(
    _address_type(
        "received_address", "Support address", "received_address", _email,
        "The support address the mail came to (blank for other channels).",
    )
)  # fmt: skip
register(_address_type("requester_email", "Requester email", "email", _email, "Email addresses."))
register(
    _address_type("requester_domain", "Requester domain", "domain", _domain, "Mail domains; subdomains match too.")
)


# ---- text: subject, body, either ----


def _searcher(pattern) -> Callable[[bytes], bool]:
    """Whether the compiled RE2 pattern occurs in UTF-8 text. google-re2's `search` re-encodes a str and maps byte
    offsets back on every call (most of its cost on short texts); routing needs only yes or no, so it asks the
    underlying RE2 object directly on bytes encoded once per ticket, and falls back to `search` if that object's
    interface ever changes."""
    regexp = getattr(pattern, "_regexp", None)
    anchor = getattr(getattr(re2, "_re2", None), "RE2", None)
    unanchored = getattr(getattr(anchor, "Anchor", None), "UNANCHORED", None)
    if regexp is not None and unanchored is not None and hasattr(regexp, "Match"):
        try:
            regexp.Match(unanchored, b"probe", 0, 5)
        except Exception:
            regexp = None
        else:
            return lambda data: regexp.Match(unanchored, data, 0, len(data))[0][0] != -1
    return lambda data: pattern.search(data.decode()) is not None


def _text_type(key: str, label: str):
    folded = {"subject": "subject_cf", "body": "body_cf"}.get(key, "text_cf")
    scope = key if key in ("subject", "body") else "text"
    encoded = {"subject": "subject_utf8", "body": "body_utf8"}.get(key, "text_utf8")

    def parse(op: str, text: str, names: Names) -> object:
        if op == "matches":
            compile_pattern(text)
            return text
        return [word.casefold() for word in _require(split_list(text), label)]

    def compile_(op: str, value: object) -> Predicate:
        if op == "matches":
            found = _searcher(compile_pattern(value))
            return lambda facts, ctx: found(getattr(facts, encoded))
        words = tuple(value)
        if len(words) == 1:
            (word,) = words
            return lambda facts, ctx: word in getattr(facts, folded)
        if op == "contains_all":
            return lambda facts, ctx: all(word in getattr(facts, folded) for word in words)
        return lambda facts, ctx: any(word in getattr(facts, folded) for word in words)

    def fuse(op: str, value: object, negate: bool, index) -> Predicate:
        """Words: membership in the ticket's scan (one RE2 set pass for the whole rule set); patterns: searched at
        most once per ticket however many rules name them."""
        if op == "matches":
            slot = index.pattern(encoded, value, _searcher(compile_pattern(value)))
            search = index.searchers[slot]

            def searched(facts: Facts, ctx: Context) -> bool:
                done = ctx.scan.patterns
                found = done[slot]
                if found is None:
                    found = done[slot] = search(getattr(facts, encoded))
                return found is not negate

            return searched
        words = tuple(value)
        if any("\n" in word for word in words):  # a line break may span subject and body: test the joined text
            test = compile_(op, value)
            return (lambda facts, ctx: not test(facts, ctx)) if negate else test
        ids = frozenset(index.word(word, scope) for word in words)
        found = attrgetter(f"scan.{scope}")
        if len(ids) == 1:
            (word_id,) = ids
            if negate:
                return lambda facts, ctx: word_id not in found(ctx)
            return lambda facts, ctx: word_id in found(ctx)
        if op == "contains_all":
            if negate:
                return lambda facts, ctx: not ids <= found(ctx)
            return lambda facts, ctx: ids <= found(ctx)
        if negate:
            return lambda facts, ctx: ids.isdisjoint(found(ctx))
        return lambda facts, ctx: not ids.isdisjoint(found(ctx))

    def describe(op: str, value: object, names: Names) -> str:
        if op == "matches":
            return f"{label.lower()} matches the pattern “{value}”"
        joined = _and(value) if op == "contains_all" else _or(value)
        return f"{label.lower()} contains {joined}"

    return ConditionType(
        key=key,
        label=label,
        operators={
            "contains_any": "contains any of the words",
            "contains_all": "contains all of the words",
            "matches": "matches the pattern",
        },
        parse=parse,
        compile=compile_,
        describe=describe,
        show=lambda op, value, names: value if op == "matches" else ", ".join(value),
        help_text="Words, comma-separated (any case); or an RE2 pattern, case-insensitive.",
        reads=frozenset({"subject", "body"} if scope == "text" else {scope}),
        fuse=fuse,
    )


register(_text_type("subject", "Subject"))
register(_text_type("body", "Message"))
register(_text_type("text", "Subject or message"))


# ---- tags ----


def _tags_compile(op: str, value: object) -> Predicate:
    wanted = frozenset(value or ())
    if op == "is_empty":
        return lambda facts, ctx: not facts.tags
    if op == "includes_all":
        return lambda facts, ctx: wanted <= facts.tags
    return lambda facts, ctx: bool(wanted & facts.tags)


register(
    ConditionType(
        key="tags",
        label="Tags",
        operators={"includes_any": "include any of", "includes_all": "include all of", "is_empty": "are none"},
        parse=_strings("Tags"),
        compile=_tags_compile,
        describe=lambda op, value, names: (
            "the ticket has no tags"
            if op == "is_empty"
            else f"tags include {_and(value) if op == 'includes_all' else _or(value)}"
        ),
        show=lambda op, value, names: ", ".join(value or ()),
        uses=lambda op, value, obj: type(obj).__name__ == "Tag" and obj.name.casefold() in (value or ()),
        help_text="Tag names, comma-separated.",
        no_value_ops=frozenset({"is_empty"}),
        reads=frozenset({"tags"}),
    )
)


# ---- follow-ups ----

register(
    ConditionType(
        key="follow_up",
        label="Follow-up",
        operators={"yes": "is a follow-up of a closed ticket"},
        parse=lambda op, text, names: None,
        compile=lambda op, value: lambda facts, ctx: facts.is_follow_up,
        describe=lambda op, value, names: "it is a follow-up of a closed ticket",
        help_text="No value: true for a reply to a closed ticket that opened a new one.",
        no_value_ops=frozenset({"yes"}),
        reads=frozenset({"is_follow_up"}),
    )
)


# ---- custom fields (tickets.custom_fields.registry) ----

CUSTOM_PREFIX = "field:"


def _custom_type(key: str, label: str, operators: tuple[str, ...]) -> ConditionType:
    from tickets.custom_fields.registry import NO_VALUE_OPS, OPERATOR_WORDS, FieldCondition, field_condition

    def parse(op: str, text: str, names: Names) -> object:
        if op in NO_VALUE_OPS:
            value = None
        elif op in ("in", "includes_any"):
            value = split_list(text)
        else:
            value = text.strip()
        try:
            return field_condition(key, op, value).value
        except ServiceError as refused:
            raise RuleError(str(refused)) from None

    def compile_(op: str, value: object) -> Predicate:
        condition = FieldCondition.from_dict({"key": key, "op": op, "value": value})
        return lambda facts, ctx: condition.matches(facts)

    def describe(op: str, value: object, names: Names) -> str:
        try:
            return FieldCondition.from_dict({"key": key, "op": op, "value": value}).describe()
        except ServiceError:
            return f"custom field “{key}” (no longer exists)"

    def show(op: str, value: object, names: Names) -> str:
        if value is None:
            return ""
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)

    return ConditionType(
        key=f"{CUSTOM_PREFIX}{key}",
        label=f"Field: {label}",
        operators={op: OPERATOR_WORDS[op] for op in operators},
        parse=parse,
        compile=compile_,
        describe=describe,
        show=show,
        help_text="Choice codes, comma-separated for “is one of”.",
        no_value_ops=frozenset(NO_VALUE_OPS),
        reads=frozenset({"custom_fields"}),
    )


def custom_field_types() -> list[ConditionType]:
    """The tenant's active custom fields as condition types (they are per tenant, so not in REGISTRY)."""
    from tickets.custom_fields.registry import OPERATORS, conditionable_fields

    return [_custom_type(f.key, f.label, OPERATORS[f.type]) for f in conditionable_fields()]


def lookup(key: object) -> ConditionType:
    """A registered condition type, or the tenant's custom field named by "field:<key>"."""
    if isinstance(key, str) and key.startswith(CUSTOM_PREFIX):
        from tickets.custom_fields.registry import OPERATORS, _definition

        try:
            definition = _definition(key[len(CUSTOM_PREFIX) :], allow_archived=True)
        except ServiceError as refused:
            raise RuleError(str(refused)) from None
        return _custom_type(definition.key, definition.label, OPERATORS[definition.type])
    return condition_type(key)


def all_types() -> list[ConditionType]:
    return [*REGISTRY.values(), *custom_field_types()]


# ---- one stored condition ----


def clean_condition(data: dict, names: Names) -> dict:
    """A condition from the editor ({"field", "op", "text", "negate"}) checked and stored as {"field", "op",
    "value", "negate"}; RuleError names what is wrong."""
    kind = lookup(data.get("field"))
    op = data.get("op") or next(iter(kind.operators))
    if op not in kind.operators:
        offered = ", ".join(f"“{words}”" for words in kind.operators.values())
        raise RuleError(f"“{kind.label}” can be tested with {offered}; not “{str(op)[:30]}”.")
    text = str(data.get("text") or "")
    value = None if op in kind.no_value_ops else kind.parse(op, text, Names() if names is None else names)
    condition = {"field": kind.key, "op": op, "value": value, "negate": bool(data.get("negate"))}
    compile_condition(condition)  # what is stored always compiles
    return condition


def compile_condition(condition: dict) -> Predicate:
    kind = lookup(condition.get("field"))
    op = condition.get("op")
    if op not in kind.operators:
        raise RuleError(f"“{kind.label}” has no test “{str(op)[:30]}”.")
    test = kind.compile(op, condition.get("value"))
    if condition.get("negate"):
        return lambda facts, ctx: not test(facts, ctx)
    return test


def fuse_condition(condition: dict, index) -> tuple[Predicate, frozenset[str]]:
    """The condition compiled for a rule set (its words and patterns answered by `index`, routing.textscan), with
    its negation folded in, and the facts it reads."""
    kind = lookup(condition.get("field"))
    op = condition.get("op")
    if op not in kind.operators:
        raise RuleError(f"“{kind.label}” has no test “{str(op)[:30]}”.")
    negate = bool(condition.get("negate"))
    if kind.fuse is not None:
        return kind.fuse(op, condition.get("value"), negate, index), kind.reads
    test = kind.compile(op, condition.get("value"))
    if negate:
        return (lambda facts, ctx: not test(facts, ctx)), kind.reads
    return test, kind.reads


def describe_condition(condition: dict, names: Names) -> str:
    try:
        kind = lookup(condition.get("field"))
        words = kind.describe(condition.get("op"), condition.get("value"), names)
    except RuleError:
        words = f"unknown condition “{str(condition.get('field'))[:40]}”"
    return f"not ({words})" if condition.get("negate") else words


def show_condition_value(condition: dict, names: Names) -> str:
    try:
        kind = lookup(condition.get("field"))
    except RuleError:
        return ""
    return kind.show(condition.get("op"), condition.get("value"), names)


def condition_uses(condition: dict, obj: object) -> bool:
    kind = REGISTRY.get(condition.get("field"))
    return kind is not None and kind.uses(condition.get("op"), condition.get("value"), obj)
