"""The pieces the condition types are built from: reading an admin's comma-separated text into codes, row ids or
strings (refusing what is not one), saying values back in words, and compiling RE2 patterns within their limits."""

from __future__ import annotations

from collections.abc import Callable

import re2

from routing.conditions.base import MAX_PATTERN, MAX_WORDS, PATTERN_MEMORY, RuleError
from routing.names import Names


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
