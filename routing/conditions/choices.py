"""Conditions on a ticket's fixed choices: channel, contact tier and priority (which can also be "at least")."""

from __future__ import annotations

from operator import attrgetter

from routing.conditions.base import ConditionType, Predicate, register
from routing.conditions.pieces import _code_words, _codes
from tickets.models import Channel, Contact, Priority


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
