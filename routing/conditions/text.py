"""Conditions on what the requester wrote: words or an RE2 pattern in the subject, the message or either. A rule set
fuses them (`fuse`) so each ticket's text is scanned once however many rules test it."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

import re2

from routing.conditions.base import ConditionType, Context, Facts, Predicate, register
from routing.conditions.pieces import _and, _or, _require, compile_pattern, split_list
from routing.names import Names


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
