"""Rule sets compiled into one predicate per rule (routing.compiler), their words answered by one RE2 set per ticket
(routing.textscan): they decide exactly as the conditions' own predicates, interpreted one by one, do."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from routing import textscan
from routing.compiler import compile_rule, compile_rules
from routing.conditions import Context, clean_condition, compile_condition
from routing.engine import evaluate
from routing.names import Names
from routing.textscan import TextIndex
from tests.routing.conftest import cond
from tests.routing.test_conditions import BASE

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # inside Mon-Fri 08-18 Berlin
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)

EDITOR_CONDITIONS = [
    cond("channel", "is", "email"),
    cond("priority", "at_least", "High"),
    cond("subject", "contains_any", "invoice"),
    cond("subject", "contains_any", "receipt, WRONG"),
    cond("body", "contains_all", "charged, twice"),
    cond("body", "contains_any", "refund, naïve"),
    cond("text", "contains_any", "november, straße"),
    cond("text", "contains_all", "invoice, november"),
    cond("subject", "matches", r"invoice \d{4}-\d{2}"),
    cond("body", "matches", r"charged\s+twice"),
    cond("text", "matches", r"wrong\nwe"),  # across the subject and the body
    cond("requester_domain", "is", "customer.example"),
    cond("tier", "is", "VIP"),
    cond("tags", "includes_any", "refund, vip"),
    cond("tags", "includes_all", "refund, vip"),
    cond("tags", "is_empty"),
    cond("follow_up", "yes"),
    cond("field:product", "is", "cloud"),
    cond("business_hours", "inside"),
]

FACTS = [
    BASE,
    replace(BASE, created_at=SUNDAY, channel="web", priority=4, tier="vip", custom_fields={"product": "cloud"}),
    replace(BASE, subject="RECEIPT please", body="Naïve question about a REFUND.", tags=frozenset()),
    replace(BASE, subject="", body="", tags=frozenset({"refund", "vip"}), is_follow_up=True),
    replace(BASE, subject="Straße", body="invoice for November", email="a@customer.example", created_at=MONDAY),
    replace(BASE, subject="invoice", body="november", custom_fields={"product": "onprem"}, email="x@other.example"),
]


def interpreted(rule: dict, facts) -> list[dict] | None:
    """The rule as the conditions' own predicates decide it, one condition at a time (no rule set, no RE2 set)."""
    ctx = Context()
    held = [c for c in rule["conditions"] if compile_condition(c)(facts, ctx)]
    if rule["match"] == "all":
        return held if len(held) == len(rule["conditions"]) else None
    return held if held or not rule["conditions"] else None


@pytest.fixture
def conditions(tenant):
    """The editor's conditions stored, in a tenant with a custom field and a default business-hours policy."""
    from sla import services as sla_services
    from tenancy.actors import Automation
    from tenancy.context import tenant_context
    from tests.sla.factories import OFFICE_HOURS, STANDARD_TARGETS
    from tests.tickets.factories import CustomFieldFactory

    with tenant_context(tenant):
        CustomFieldFactory(tenant=tenant, key="product", label="Product")
        calendar = sla_services.create_calendar(actor=Automation("t"), name="Office", time_zone="Europe/Berlin",
                                                hours=OFFICE_HOURS)  # fmt: skip
        sla_services.create_policy(actor=Automation("t"), name="Std", calendar=calendar, targets=STANDARD_TARGETS,
                                   is_default=True)  # fmt: skip
        yield [clean_condition(condition, Names()) for condition in EDITOR_CONDITIONS]


def test_compiler_fused_rules_decide_as_the_conditions_one_by_one(tenant, conditions):
    # given every condition alone and negated, and random "all" and "any" rules of two to four of them, negated at
    # random, compiled into one rule set (sharing one RE2 set and one pattern cache)
    from tenancy.context import tenant_context

    rng = random.Random(14)  # noqa: S311 - reproducible test data
    rules = []
    for n, condition in enumerate(conditions):
        for negate in (False, True):
            rules.append({"id": len(rules) + 1, "name": f"single {n}", "match": "all",
                          "conditions": [{**condition, "negate": negate}], "actions": []})  # fmt: skip
    for _ in range(120):
        picked = [{**c, "negate": rng.random() < 0.3} for c in rng.sample(conditions, rng.randint(2, 4))]
        rules.append({"id": len(rules) + 1, "name": "mixed", "match": rng.choice(["all", "any"]),
                      "conditions": picked, "actions": []})  # fmt: skip
    rules.append({"id": len(rules) + 1, "name": "empty any", "match": "any", "conditions": [], "actions": []})
    with tenant_context(tenant):
        ruleset = compile_rules(rules)
        # when each ticket is evaluated by the rule set (one context for all, as the simulator does)
        ctx = Context()
        for facts in FACTS:
            matches, _plan, skipped = evaluate(ruleset, facts, ctx)
            # then the matches and the conditions that held are those of the one-by-one interpretation
            expected = [(rule["id"], held) for rule in rules if (held := interpreted(rule, facts)) is not None]
            assert [(match.rule.id, match.held) for match in matches] == expected
            assert skipped == []
    # and the checks were not vacuous: every condition held on some ticket and failed on another
    with tenant_context(tenant):
        for condition in conditions:
            outcomes = {bool(compile_condition(condition)(facts, Context())) for facts in FACTS}
            assert outcomes == {True, False}, condition


def test_compiler_rule_test_rescans_for_other_facts(in_tenant):
    # given a rule compiled alone and one context used for two tickets
    invoice = clean_condition(cond("subject", "contains_any", "invoice"), Names())
    rule = compile_rule({"id": 1, "name": "r", "match": "all", "conditions": [invoice], "actions": []})
    ctx = Context()
    # then each ticket is answered from its own text, not the previous ticket's scan
    assert rule.test(BASE, ctx) == [invoice]
    assert rule.test(replace(BASE, subject="Printer"), ctx) is None
    assert rule.test(BASE, ctx) == [invoice]


def test_compiler_searches_a_pattern_once_however_many_rules_name_it(in_tenant):
    # given three rules with the same body pattern and one with another
    same = clean_condition(cond("body", "matches", r"charged\s+twice"), Names())
    other = clean_condition(cond("subject", "matches", r"charged\s+twice"), Names())
    rules = [{"id": n, "name": "r", "match": "all", "conditions": [c], "actions": []}
             for n, c in enumerate([same, same, same, other], start=1)]  # fmt: skip
    # when they are compiled together
    ruleset = compile_rules(rules)
    # then two searches are kept (body, subject) and the three rules match
    assert len(ruleset.index.searchers) == 2
    matches, _, _ = evaluate(ruleset, BASE, Context())
    assert [m.rule.id for m in matches] == [1, 2, 3]


def _index_answers(words: dict[str, str], subject: str, body: str) -> dict[str, set[str]]:
    index = TextIndex()
    ids = {(word, scope): index.word(word, scope) for word, scope in words.items()}
    index.finish()
    scan = index.scan(SimpleNamespace(subject_cf=subject, body_cf=body))
    by_id = {word_id: word for (word, _), word_id in ids.items()}
    return {scope: {by_id[i] for i in getattr(scan, scope) if i in by_id} for scope in ("subject", "body", "text")}


def test_textscan_words_found_as_substring_tests_find_them(monkeypatch):
    # given many words (several RE2 sets: the literal budget is made small), with accents, punctuation and RE2
    # metacharacters, over random case-folded texts
    monkeypatch.setattr(textscan, "SET_BYTES", 60)
    rng = random.Random(6)  # noqa: S311 - reproducible test data
    alphabet = [*"abcdeé ß.+*?()[]{}|^$\\-", "日本"]
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))): rng.choice(textscan.SCOPES)
             for _ in range(80)}  # fmt: skip
    for _ in range(300):
        subject = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        # when the index scans them
        found = _index_answers(words, subject, body)
        # then each scope's words are exactly those `in` finds
        assert found["subject"] == {w for w in words if w in subject}
        assert found["body"] == {w for w in words if w in body}
        assert found["text"] == {w for w in words if w in f"{subject}\n{body}"}


def test_textscan_set_refused_by_re2_falls_back_to_substring_tests(monkeypatch):
    # given RE2 refusing to build the set
    def refuse(*args, **kwargs):
        raise textscan.re2.error("no")

    monkeypatch.setattr(textscan.re2.Set, "SearchSet", refuse)
    # then the words are still found, by `in`
    assert _index_answers({"twice": "body", "wrong": "subject", "all": "text"}, "all wrong", "charged twice") == {
        "subject": {"wrong", "all"}, "body": {"twice"}, "text": {"wrong", "twice", "all"},
    }  # fmt: skip
