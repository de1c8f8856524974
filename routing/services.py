"""Changing the rules (admins, in the draft), publishing them as a version, and re-running routing on tickets.

Every rule change is a settings service of "routing.rules" with its audit row in the same transaction. The draft
is only what admins edit: the engine runs the newest published version, so half-edited rules never route a
ticket. Rules are validated here, not only in the form: unknown fields and actions, empty actions, patterns RE2
refuses and names of rows that do not exist are refused with a message saying what to fix.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from routing.actions import REGISTRY as ACTIONS
from routing.actions import clean_action
from routing.compiler import snapshot_rule
from routing.conditions import RuleError, clean_condition, compile_condition
from routing.models import RoutingDecision, Rule, RuleSetVersion
from routing.names import Names
from routing.route import rerun
from tenancy.actors import Automation, require_admin_or_automation, require_role
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership
from tickets.models import Ticket

AREA = "routing.rules"
FIELDS = ["name", "position", "is_active", "match", "conditions", "actions", "stop_processing", "on_update"]
ADMINS_ONLY = "Only admins can change the routing rules."
MAX_RULES = 500
MAX_CONDITIONS = 20
MAX_ACTIONS = 20
SINGLE_ACTIONS = frozenset({"set_queue", "set_category", "set_priority", "set_escalation", "assign_agent"})


def _clean_name(name: object) -> str:
    cleaned = " ".join("".join(ch for ch in str(name or "") if ch.isprintable()).split())
    if not cleaned:
        raise RuleError("Give the rule a name.")
    if len(cleaned) > 100:
        raise RuleError("Keep the rule's name under 100 characters.")
    return cleaned


def clean_rule(*, name: object, match: str, conditions: list[dict], actions: list[dict]) -> dict:
    """The rule's fields checked and stored as the engine reads them; RuleError says what is wrong, and where."""
    names = Names()
    if match not in Rule.Match.values:
        raise RuleError("Choose whether all conditions or any condition must hold.")
    if len(conditions) > MAX_CONDITIONS or len(actions) > MAX_ACTIONS:
        raise RuleError(f"A rule has at most {MAX_CONDITIONS} conditions and {MAX_ACTIONS} actions.")
    cleaned_conditions = []
    for number, condition in enumerate(conditions, start=1):
        try:
            cleaned_conditions.append(clean_condition(condition, names))
        except RuleError as refused:
            raise RuleError(f"Condition {number}: {refused}") from None
    if not actions:
        raise RuleError("A rule needs at least one action: what should happen to the tickets it matches?")
    cleaned_actions, seen = [], set()
    for number, action in enumerate(actions, start=1):
        try:
            cleaned = clean_action(action, names)
        except RuleError as refused:
            raise RuleError(f"Action {number}: {refused}") from None
        if cleaned["action"] in SINGLE_ACTIONS and cleaned["action"] in seen:
            raise RuleError(f"Action {number}: “{ACTIONS[cleaned['action']].label}” is given twice in this rule.")
        seen.add(cleaned["action"])
        cleaned_actions.append(cleaned)
    if {"assign_agent", "assign_strategy"} <= seen:
        raise RuleError("Either assign to a named agent or let the queue's strategy pick, not both.")
    return {"name": _clean_name(name), "match": match, "conditions": cleaned_conditions, "actions": cleaned_actions}


@settings_service(AREA)
def create_rule(
    *,
    actor: Membership | Automation,
    name: str,
    conditions: list[dict],
    actions: list[dict],
    match: str = Rule.Match.ALL,
    stop_processing: bool = False,
    on_update: bool = False,
    is_active: bool = True,
) -> Rule:
    """Add a rule at the end of the draft (rows are {"field", "op", "text", "negate"} and {"action", "text"})."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    fields = clean_rule(name=name, match=match, conditions=conditions, actions=actions)
    if Rule.objects.count() >= MAX_RULES:
        raise RuleError(f"A help desk has at most {MAX_RULES} routing rules.")
    last = Rule.objects.aggregate(last=Max("position"))["last"]
    rule = Rule.objects.create(
        **fields,
        position=0 if last is None else last + 1,
        stop_processing=stop_processing,
        on_update=on_update,
        is_active=is_active,
    )
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=rule, after=snapshot(rule, FIELDS)
    )
    return rule


@settings_service(AREA)
def update_rule(
    *,
    actor: Membership | Automation,
    rule: Rule,
    name: str,
    conditions: list[dict],
    actions: list[dict],
    match: str = Rule.Match.ALL,
    stop_processing: bool = False,
    on_update: bool = False,
    is_active: bool = True,
) -> Rule:
    require_admin_or_automation(actor, ADMINS_ONLY)
    fields = clean_rule(name=name, match=match, conditions=conditions, actions=actions)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, FIELDS)
    for key, value in {**fields, "stop_processing": stop_processing, "on_update": on_update,
                       "is_active": is_active}.items():  # fmt: skip
        setattr(rule, key, value)
    rule.updated_at = timezone.now()
    rule.save()
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=rule, before=before,
        after=snapshot(rule, FIELDS),
    )  # fmt: skip
    return rule


@settings_service(AREA)
def set_rule_active(*, actor: Membership | Automation, rule: Rule, is_active: bool) -> Rule:
    """Disable a rule without losing it (or enable it again)."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, ["is_active"])
    rule.is_active = is_active
    rule.updated_at = timezone.now()
    rule.save(update_fields=["is_active", "updated_at"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=rule, before=before,
        after=snapshot(rule, ["is_active"]),
    )  # fmt: skip
    return rule


@settings_service(AREA)
def delete_rule(*, actor: Membership | Automation, rule: Rule) -> None:
    """Remove a rule from the draft (published versions keep their copy, and the decisions that name it)."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, FIELDS)
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=rule, before=before,
        after=dict.fromkeys(before),
    )  # fmt: skip
    rule.delete()


@settings_service(AREA)
def move_rule(*, actor: Membership | Automation, rule: Rule, direction: str) -> Rule:
    """Move a rule one place up or down (earlier rules run first); the order is renumbered 0..n-1."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    if direction not in ("up", "down"):
        raise RuleError("Move a rule up or down.")
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    index = next((i for i, row in enumerate(rules) if row.pk == rule.pk), None)
    if index is None:
        raise RuleError("That rule no longer exists.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rules):
        raise RuleError(f"“{rules[index].name}” is already {'first' if direction == 'up' else 'last'}.")
    before = snapshot(rules[index], ["position"])
    rules[index], rules[other] = rules[other], rules[index]
    for position, row in enumerate(rules):
        if row.position != position:
            Rule.objects.filter(pk=row.pk).update(position=position)
            row.position = position
    moved = rules[other]
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=moved, before=before,
        after=snapshot(moved, ["position"]),
    )  # fmt: skip
    return moved


def draft_rules() -> list[dict]:
    """The active draft rules in order, as a version would store them."""
    return [snapshot_rule(rule) for rule in Rule.objects.filter(is_active=True).order_by("position", "id")]


def draft_differs() -> bool:
    latest = RuleSetVersion.objects.order_by("-number").first()
    return latest is None or latest.rules != draft_rules()


@settings_service(AREA)
def publish_rules(*, actor: Membership | Automation, note: str = "") -> RuleSetVersion:
    """Snapshot the draft's active rules as the next version: from now on new tickets are routed by it. The rules
    are compiled first, so a version that cannot run is never published."""
    require_admin_or_automation(actor, ADMINS_ONLY)
    with transaction.atomic():
        # Two admins publishing at once get consecutive numbers, not a unique-constraint error.
        list(Rule.objects.select_for_update().values_list("pk", flat=True))
        rules = draft_rules()
        latest = RuleSetVersion.objects.order_by("-number").first()
        if latest is not None and latest.rules == rules:
            raise RuleError(f"The draft is the same as the published version {latest.number}: nothing to publish.")
        for rule in rules:
            check_stored(rule)  # a queue or a field may have gone since the rule was saved
        version = RuleSetVersion.objects.create(
            number=(latest.number + 1) if latest else 1,
            rules=rules,
            published_by=actor if isinstance(actor, Membership) else None,
            published_by_automation=actor.name if isinstance(actor, Automation) else "",
            note=" ".join(str(note).split())[:200],
        )
        record_config_change(
            actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=version,
            label=f"Routing rules version {version.number}",
            after={"number": version.number, "rules": [rule["id"] for rule in rules]},
        )  # fmt: skip
    return version


ROW_ACTIONS = {"set_queue": "queue", "set_category": "category", "set_escalation": "tier", "assign_agent": "agent"}


def check_stored(rule: dict) -> None:
    """A stored rule still runs: its conditions compile and the rows its actions name exist."""
    names = Names()
    try:
        for condition in rule["conditions"]:
            compile_condition(condition)
    except RuleError as broken:
        raise RuleError(f"Rule “{rule['name']}”: {broken}") from None
    for action in rule["actions"]:
        kind = ROW_ACTIONS.get(action.get("action"))
        if action.get("action") not in ACTIONS:
            raise RuleError(f"Rule “{rule['name']}” has an unknown action.")
        if kind is not None and names.row(kind, action.get("value")) is None:
            raise RuleError(f"Rule “{rule['name']}” names a {kind} that no longer exists: edit the rule first.")


MAX_RERUN = 200


def rerun_routing(*, actor: Membership, tickets: list[Ticket]) -> list[RoutingDecision]:
    """Run the published rules again on up to MAX_RERUN tickets an admin chose; each gets a decision row."""
    require_role(actor, "admin", "Only admins can re-run routing.")
    if not tickets:
        raise RuleError("Choose at least one ticket to route again.")
    if len(tickets) > MAX_RERUN:
        raise RuleError(f"Re-run routing on at most {MAX_RERUN} tickets at once.")
    return rerun(tickets=tickets, requested_by=actor)
