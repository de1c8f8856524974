"""Rule sets compiled into predicates once per published version and cached in the process, keyed by the version's
id (a version never changes, so the cache never goes stale); the draft is compiled afresh for the editor's test
and the simulator. A rule that no longer compiles (its custom field was deleted) is kept with its error: the engine
skips it and records why, instead of failing every ticket."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from routing.actions import REGISTRY as ACTIONS
from routing.conditions import Context, Facts, Predicate, RuleError, compile_condition

CACHE_LIMIT = 256


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    match_all: bool
    conditions: tuple[tuple[dict, Predicate], ...]
    actions: tuple[dict, ...]
    stop: bool
    on_update: bool
    error: str = ""
    # (fold, value): each action's step into the plan, looked up once here rather than per ticket.
    folds: tuple = ()

    def test(self, facts: Facts, ctx: Context) -> list[dict] | None:
        """The conditions that held when the rule matches (all of them for "all"), None when it does not."""
        if not self.conditions:
            return []
        if self.match_all:
            for _, predicate in self.conditions:
                if not predicate(facts, ctx):
                    return None
            return [condition for condition, _ in self.conditions]
        for _, predicate in self.conditions:
            if predicate(facts, ctx):
                # Matched: say which of its conditions held (only now, for the record).
                return [condition for condition, test in self.conditions if test(facts, ctx)]
        return None


@dataclass(frozen=True)
class CompiledRuleSet:
    version_id: int | None
    number: int | None
    rules: tuple[CompiledRule, ...]

    @property
    def has_update_rules(self) -> bool:
        return any(rule.on_update for rule in self.rules)


EMPTY = CompiledRuleSet(version_id=None, number=None, rules=())


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


def compile_rule(data: dict) -> CompiledRule:
    try:
        conditions = tuple((condition, compile_condition(condition)) for condition in data.get("conditions") or ())
        error = ""
    except RuleError as broken:
        conditions, error = (), str(broken)
    actions = tuple(data.get("actions") or ())
    folds = tuple(
        (ACTIONS[action["action"]].fold, action.get("value")) for action in actions if action.get("action") in ACTIONS
    )
    return CompiledRule(
        folds=folds,
        id=data.get("id") or 0,
        name=data.get("name") or "",
        match_all=data.get("match", "all") != "any",
        conditions=conditions,
        actions=actions,
        stop=bool(data.get("stop")),
        on_update=bool(data.get("on_update")),
        error=error,
    )


def compile_rules(rules: list[dict], *, version_id: int | None = None, number: int | None = None) -> CompiledRuleSet:
    return CompiledRuleSet(version_id=version_id, number=number, rules=tuple(compile_rule(rule) for rule in rules))


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
