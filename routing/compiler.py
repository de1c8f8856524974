"""Rule sets compiled into predicates once per published version and cached in the process, keyed by the version's
id (a version never changes, so the cache never goes stale); the draft is compiled afresh for the editor's test
and the simulator. A rule that no longer compiles (its custom field was deleted) is kept with its error: the engine
skips it and records why, instead of failing every ticket.

Each rule is compiled into one predicate: its conditions' closures (negation folded in) joined by "all" or "any" at
compile time, so a ticket costs one call per rule and no lookups; the words and patterns of the whole set are
answered once per ticket by its `TextIndex` (routing.textscan) before the rules run."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from routing.actions import REGISTRY as ACTIONS
from routing.conditions import ALL_FACTS, Context, Facts, Predicate, RuleError, fuse_condition
from routing.textscan import TextIndex

CACHE_LIMIT = 256


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    match_all: bool
    # Each condition with its compiled predicate (to say which held when an "any" rule matched).
    conditions: tuple[tuple[dict, Predicate], ...]
    actions: tuple[dict, ...]
    stop: bool
    on_update: bool
    error: str = ""
    # (fold, value): each action's step into the plan, looked up once here rather than per ticket.
    folds: tuple = ()
    # The whole rule as one predicate (a rule without conditions always matches).
    predicate: Predicate = lambda facts, ctx: True
    # The facts its conditions read (every fact while one of them is unknown).
    reads: frozenset[str] = ALL_FACTS
    # Where its words and patterns are answered: the rule set's index (its own when compiled alone).
    index: TextIndex = field(default_factory=lambda: TextIndex().finish())

    def test(self, facts: Facts, ctx: Context) -> list[dict] | None:
        """The conditions that held when the rule matches (all of them for "all"), None when it does not."""
        scan = ctx.scan
        if scan is None or scan.facts is not facts or scan.index is not self.index:
            ctx.scan = self.index.scan(facts)
        if not self.predicate(facts, ctx):
            return None
        return self.held(facts, ctx)

    def held(self, facts: Facts, ctx: Context) -> list[dict]:
        """The conditions that held, for a rule whose predicate held on facts scanned in `ctx` (the engine's path:
        `CompiledRuleSet.prepare`, then `predicate`, then this)."""
        if self.match_all:
            return [condition for condition, _ in self.conditions]
        # Matched: say which of its conditions held (only now, for the record).
        return [condition for condition, test in self.conditions if test(facts, ctx)]


@dataclass(frozen=True)
class CompiledRuleSet:
    version_id: int | None
    number: int | None
    rules: tuple[CompiledRule, ...]
    index: TextIndex = field(default_factory=lambda: TextIndex().finish())

    @property
    def has_update_rules(self) -> bool:
        return any(rule.on_update for rule in self.rules)

    @cached_property
    def steps(self) -> tuple[tuple, ...]:
        """Per rule, what the engine's loop reads of it, unpacked once here: (rule, predicate, folds, stop, error,
        the conditions that hold when an "all" rule matches, None for "any")."""
        return tuple(
            (rule, rule.predicate, rule.folds, rule.stop, rule.error,
             tuple(condition for condition, _ in rule.conditions) if rule.match_all else None)
            for rule in self.rules
        )  # fmt: skip

    @cached_property
    def update_steps(self) -> tuple[tuple, ...]:
        """`steps` of the rules that also run when a ticket changes."""
        return tuple(step for step in self.steps if step[0].on_update)

    @cached_property
    def reads(self) -> frozenset[str]:
        """The facts the rules' conditions read (broken rules read nothing: they are skipped)."""
        return frozenset().union(*(rule.reads for rule in self.rules if not rule.error))

    def prepare(self, facts: Facts, ctx: Context) -> None:
        """Answer the set's word conditions for these facts, once, before its rules are tested."""
        ctx.scan = self.index.scan(facts)


EMPTY = CompiledRuleSet(version_id=None, number=None, rules=())


def _join(predicates: list[Predicate], match_all: bool) -> Predicate:
    """One predicate for "all" or "any" of `predicates`, short-circuiting in order."""
    if not predicates:
        return lambda facts, ctx: True
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        if match_all:
            return lambda facts, ctx: bool(first(facts, ctx) and second(facts, ctx))
        return lambda facts, ctx: bool(first(facts, ctx) or second(facts, ctx))
    every = tuple(predicates)
    if match_all:

        def all_hold(facts: Facts, ctx: Context) -> bool:
            for test in every:  # noqa: SIM110 - a loop, not a generator: this runs per rule per ticket
                if not test(facts, ctx):
                    return False
            return True

        return all_hold

    def any_holds(facts: Facts, ctx: Context) -> bool:
        for test in every:  # noqa: SIM110 - a loop, not a generator: this runs per rule per ticket
            if test(facts, ctx):
                return True
        return False

    return any_holds


def snapshot_rule(rule) -> dict:
    """A Rule row as a version stores it."""
    return {
        "id": rule.pk,
        "name": rule.name,
        "match": rule.match,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "stop": rule.stop_processing,
        "on_update": rule.on_update,
    }


def compile_rule(data: dict, index: TextIndex | None = None) -> CompiledRule:
    """One stored rule compiled; its words and patterns go to the rule set's `index` (its own when alone)."""
    alone = index is None
    index = TextIndex() if alone else index
    match_all = data.get("match", "all") != "any"
    try:
        fused = [(condition, *fuse_condition(condition, index)) for condition in data.get("conditions") or ()]
        error = ""
    except RuleError as broken:
        fused, error = [], str(broken)
    if alone:
        index.finish()
    conditions = tuple((condition, predicate) for condition, predicate, _ in fused)
    actions = tuple(data.get("actions") or ())
    folds = tuple(
        (ACTIONS[action["action"]].fold, action.get("value")) for action in actions if action.get("action") in ACTIONS
    )
    return CompiledRule(
        folds=folds,
        id=data.get("id") or 0,
        name=data.get("name") or "",
        match_all=match_all,
        conditions=conditions,
        predicate=_join([predicate for _, predicate in conditions], match_all),
        reads=frozenset().union(*(reads for _, _, reads in fused)),
        index=index,
        actions=actions,
        stop=bool(data.get("stop")),
        on_update=bool(data.get("on_update")),
        error=error,
    )


def compile_rules(rules: list[dict], *, version_id: int | None = None, number: int | None = None) -> CompiledRuleSet:
    index = TextIndex()
    compiled = tuple(compile_rule(rule, index) for rule in rules)
    return CompiledRuleSet(version_id=version_id, number=number, rules=compiled, index=index.finish())


_cache: dict[tuple[int, int], CompiledRuleSet] = {}
_lock = threading.Lock()


def compiled_version(version) -> CompiledRuleSet:
    """The version's compiled rule set, from the process cache when it was compiled before."""
    if version is None:
        return EMPTY
    key = (version.tenant_id, version.pk)
    found = _cache.get(key)
    if found is not None:
        return found
    built = compile_rules(version.rules, version_id=version.pk, number=version.number)
    with _lock:
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[key] = built
    return built


def cache_size() -> int:
    return len(_cache)
