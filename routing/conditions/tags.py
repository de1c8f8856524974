"""Conditions on the ticket's tags, and whether it is the follow-up of a closed ticket."""

from __future__ import annotations

from routing.conditions.base import ConditionType, Predicate, register
from routing.conditions.pieces import _and, _or, _strings


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
