"""The word and pattern conditions of a whole rule set answered together, once per ticket.

Every "contains the words" condition of a rule set registers its words here when the set is compiled; per ticket
one RE2 set (a single pass, whatever the number of words) finds which of them occur in the case-folded subject
and in the case-folded body, and each rule then only checks membership. A literal word occurs in the UTF-8 bytes
of a text exactly when it occurs in the text, and a word without a line break occurs in "subject, line break,
body" exactly when it occurs in one of the two, so the answers are those of `word in text`. Patterns ("matches")
are compiled once per distinct pattern and searched at most once per ticket, when a rule first asks.
"""

from __future__ import annotations

from collections.abc import Callable

import re2

# Literal bytes per RE2 set: the automaton of a set of literals has at most this many states, so with SET_MEMORY
# its cache is never exhausted (an exhausted set would answer "no match" silently).
SET_BYTES = 8_000
SET_MEMORY = 64 << 20

SCOPES = ("subject", "body", "text")


class Scan:
    """One ticket's answers: the ids of the words found per scope, the patterns searched so far (None: not yet)."""

    __slots__ = ("body", "facts", "index", "patterns", "subject", "text")

    def __init__(self, index, facts, subject: set[int], body: set[int], text: set[int], patterns: list) -> None:
        self.index, self.facts = index, facts
        self.subject, self.body, self.text, self.patterns = subject, body, text, patterns


class TextIndex:
    """The words and patterns of one rule set; `finish` once every rule is compiled, then `scan` per ticket."""

    def __init__(self) -> None:
        self.words: dict[str, int] = {}
        self.patterns: dict[tuple[str, str], int] = {}
        self.searchers: list[Callable[[bytes], bool]] = []
        self.scopes: set[str] = set()
        self._sets: list = []
        self._finished = False

    def word(self, word: str, scope: str) -> int:
        """The id of a case-folded word (without line breaks) that conditions on `scope` look for."""
        if self._finished:
            raise RuntimeError("the index is finished: compile every rule before the first scan")
        self.scopes.add(scope)
        return self.words.setdefault(word, len(self.words))

    def pattern(self, encoded: str, pattern: str, searcher: Callable[[bytes], bool]) -> int:
        """The slot of a pattern searched in the facts' `encoded` text: one slot per distinct (text, pattern)."""
        key = (encoded, pattern)
        if key not in self.patterns:
            self.patterns[key] = len(self.searchers)
            self.searchers.append(searcher)
        return self.patterns[key]

    def finish(self) -> TextIndex:
        """Build the RE2 sets (a set RE2 cannot build leaves its words to plain substring tests)."""
        if self._finished:
            return self
        self._finished = True
        batch: list[tuple[int, str]] = []
        size = 0
        for word, word_id in self.words.items():
            length = len(word.encode())
            if batch and size + length > SET_BYTES:
                self._sets.append(_build(batch))
                batch, size = [], 0
            batch.append((word_id, word))
            size += length
        if batch:
            self._sets.append(_build(batch))
        return self

    def _found(self, text: str) -> set[int]:
        found: set[int] = set()
        data = None
        for matcher, ids, words in self._sets:
            if matcher is None:
                found.update(word_id for word_id, word in zip(ids, words, strict=True) if word in text)
                continue
            if data is None:
                data = text.encode()
            hits = matcher.Match(data)
            if hits:
                found.update(ids[hit] for hit in hits)
        return found

    def scan(self, facts) -> Scan:
        if not self._finished:
            self.finish()
        scopes = self.scopes
        if not scopes:
            return Scan(self, facts, _NONE, _NONE, _NONE, [None] * len(self.searchers))
        subject = self._found(facts.subject_cf) if ("subject" in scopes or "text" in scopes) else _NONE
        body = self._found(facts.body_cf) if ("body" in scopes or "text" in scopes) else _NONE
        text = subject | body if "text" in scopes else _NONE
        return Scan(self, facts, subject, body, text, [None] * len(self.searchers))


_NONE: set[int] = frozenset()  # type: ignore[assignment]


def _build(batch: list[tuple[int, str]]) -> tuple:
    """(matcher, ids by set index, words): matcher None when RE2 refuses the set (then `in` answers)."""
    ids = [word_id for word_id, _ in batch]
    words = [word for _, word in batch]
    options = re2.Options()
    options.case_sensitive = True  # words and text are both case-folded already
    options.log_errors = False
    options.never_capture = True
    options.max_mem = SET_MEMORY
    try:
        wrapper = re2.Set.SearchSet(options)
        for word in words:
            wrapper.Add(re2.escape(word))
        wrapper.Compile()
    except re2.error:
        return None, ids, words
    # The wrapper's Match re-encodes str; the raw set takes the bytes encoded once per text.
    matcher = getattr(wrapper, "_set", wrapper)
    return matcher, ids, words
