"""Conditions on mail addresses: the support address a ticket came to, the requester's email and their domain
(which subdomains match too)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from routing.conditions.base import ConditionType, Predicate, RuleError, register
from routing.conditions.pieces import _domain, _or, _strings
from routing.names import Names


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
