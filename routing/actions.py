"""What a rule can do, declared once: how an admin's text becomes a stored value, how it reads in words, which rows
it refers to, and how it folds into the plan of one routing run (`Plan`, routing.engine applies it).

A stored action is {"action", "value"}. Values are ids and codes (a queue's id, a priority's number), so renaming
a queue renames it in every rule, and "what uses this queue" is a lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from routing.conditions import RuleError, split_list
from routing.names import Names
from tickets.models import Priority

MAX_NOTE = 2000


@dataclass
class Plan:
    """What the matched rules ask for, merged in rule order: a later rule's queue replaces an earlier one's; tags,
    skills, notes and notifications add up. Each entry keeps the id of the rule that asked for it."""

    queue: tuple[int, int] | None = None  # (queue id, rule id)
    priority: tuple[int, int] | None = None
    category: tuple[int, int] | None = None
    escalation: tuple[int, int] | None = None
    assignee: tuple[int, int] | None = None
    strategy: int | None = None  # rule id: let the queue's strategy pick
    tags: list[tuple[str, int]] = field(default_factory=list)
    skills: list[tuple[int, int]] = field(default_factory=list)
    notes: list[tuple[str, int]] = field(default_factory=list)
    notify: list[tuple[dict, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ActionType:
    key: str
    label: str
    parse: Callable[[str, Names], object]
    describe: Callable[[object, Names], str]
    fold: Callable[[Plan, object, int], None]
    show: Callable[[object, Names], str] = lambda value, names: ""
    uses: Callable[[object, object], bool] = lambda value, obj: False
    help_text: str = ""
    takes_value: bool = True


REGISTRY: dict[str, ActionType] = {}


def register(action: ActionType) -> ActionType:
    REGISTRY[action.key] = action
    return action


def action_type(key: object) -> ActionType:
    found = REGISTRY.get(key) if isinstance(key, str) else None
    if found is None:
        raise RuleError(f"Unknown action “{str(key)[:40]}”.")
    return found


def _one_row(kind: str, label: str) -> Callable[[str, Names], int]:
    def parse(text: str, names: Names) -> int:
        text = " ".join(text.split())
        if not text:
            raise RuleError(f"Name the {label} to use.")
        pk = names.find(kind, text)
        if pk is None:
            raise RuleError(f"There is no {label} “{text[:60]}”.")
        return pk

    return parse


def _is(kind: str) -> Callable[[object, object], bool]:
    return lambda value, obj: type(obj).__name__.casefold() == kind and obj.pk == value


def _set(attribute: str) -> Callable[[Plan, object, int], None]:
    def fold(plan: Plan, value: object, rule: int) -> None:
        setattr(plan, attribute, (value, rule))

    return fold


register(
    ActionType(
        key="set_queue",
        label="Move to queue",
        parse=_one_row("queue", "queue"),
        describe=lambda value, names: f"queue {names.name('queue', value)}",
        fold=_set("queue"),
        show=lambda value, names: names.name("queue", value),
        uses=_is("queue"),
        help_text="A queue's name.",
    )
)


def _category(text: str, names: Names) -> int:
    return _one_row("category", "category")(text, names)


register(
    ActionType(
        key="set_category",
        label="Set category",
        parse=_category,
        describe=lambda value, names: f"category {names.name('category', value)}",
        fold=_set("category"),
        show=lambda value, names: names.name("category", value),
        uses=_is("category"),
        help_text="A category, or “Parent / Child” for a subcategory.",
    )
)


def _priority(text: str, names: Names) -> int:
    wanted = text.strip().casefold()
    for code, label in Priority.choices:
        if wanted in (label.casefold(), str(code)):
            return code
    raise RuleError(f"“{text[:30]}” is not a priority; choose Low, Normal, High or Urgent.")


register(
    ActionType(
        key="set_priority",
        label="Set priority",
        parse=_priority,
        describe=lambda value, names: f"priority {Priority(value).label.lower()}",
        fold=_set("priority"),
        show=lambda value, names: Priority(value).label,
        help_text="Low, Normal, High or Urgent.",
    )
)


def _tags(text: str, names: Names) -> list[str]:
    from tickets.services.tags import normalise_tag

    tags = [normalise_tag(item) for item in split_list(text)]
    tags = [tag for tag in tags if tag]
    if not tags:
        raise RuleError("Give at least one tag to add.")
    return tags


def _fold_tags(plan: Plan, value: object, rule: int) -> None:
    plan.tags.extend((tag, rule) for tag in value)


register(
    ActionType(
        key="add_tags",
        label="Add tags",
        parse=_tags,
        describe=lambda value, names: "tags " + ", ".join(value),
        fold=_fold_tags,
        show=lambda value, names: ", ".join(value),
        uses=lambda value, obj: type(obj).__name__ == "Tag" and obj.name.casefold() in value,
        help_text="Tag names, comma-separated.",
    )
)


def _skills(text: str, names: Names) -> list[int]:
    ids = []
    for item in split_list(text):
        pk = names.find("skill", item)
        if pk is None:
            raise RuleError(f"There is no skill “{item[:60]}” (Settings → Skills).")
        ids.append(pk)
    if not ids:
        raise RuleError("Name at least one skill.")
    return ids


def _fold_skills(plan: Plan, value: object, rule: int) -> None:
    plan.skills.extend((skill, rule) for skill in value)


register(
    ActionType(
        key="require_skills",
        label="Require skills",
        parse=_skills,
        describe=lambda value, names: "requires " + ", ".join(names.name("skill", pk) for pk in value),
        fold=_fold_skills,
        show=lambda value, names: ", ".join(names.name("skill", pk) for pk in value),
        uses=lambda value, obj: type(obj).__name__ == "Skill" and obj.pk in value,
        help_text="Skill names, comma-separated: skill-based assignment picks an agent holding all of them.",
    )
)


def _tier(text: str, names: Names) -> int:
    text = text.strip()
    if text.isdigit():
        level = int(text)
        if names.row("tier", level) is None:
            raise RuleError(f"There is no escalation tier {level}.")
        return level
    level = names.find("tier", text)
    if level is None:
        raise RuleError(f"There is no escalation tier “{text[:60]}”.")
    return level


register(
    ActionType(
        key="set_escalation",
        label="Escalate to tier",
        parse=_tier,
        describe=lambda value, names: f"escalation {names.name('tier', value)}",
        fold=_set("escalation"),
        show=lambda value, names: names.name("tier", value),
        help_text="An escalation tier's name or level.",
    )
)

register(
    ActionType(
        key="assign_agent",
        label="Assign to agent",
        parse=_one_row("agent", "agent"),
        describe=lambda value, names: f"assign to {names.name('agent', value)}",
        fold=_set("assignee"),
        show=lambda value, names: names.name("agent", value),
        uses=lambda value, obj: type(obj).__name__ == "Membership" and obj.pk == value,
        help_text="An agent's name or email.",
    )
)


def _fold_strategy(plan: Plan, value: object, rule: int) -> None:
    plan.strategy = rule


register(
    ActionType(
        key="assign_strategy",
        label="Let the queue's strategy pick an agent",
        parse=lambda text, names: None,
        describe=lambda value, names: "the queue's strategy picks an agent",
        fold=_fold_strategy,
        help_text="No value.",
        takes_value=False,
    )
)


def _note(text: str, names: Names) -> str:
    text = text.strip()
    if not text:
        raise RuleError("Write the note to add.")
    if len(text) > MAX_NOTE:
        raise RuleError(f"Keep the note under {MAX_NOTE} characters.")
    return text


def _fold_note(plan: Plan, value: object, rule: int) -> None:
    plan.notes.append((value, rule))


register(
    ActionType(
        key="add_note",
        label="Add an internal note",
        parse=_note,
        describe=lambda value, names: f"internal note “{value[:60]}{'…' if len(value) > 60 else ''}”",
        fold=_fold_note,
        show=lambda value, names: value,
        help_text="The note's text (agents only see it).",
    )
)


def _recipient(text: str, names: Names) -> dict:
    text = " ".join(text.split())
    if not text:
        raise RuleError("Name the agent or team to notify.")
    member = names.find("agent", text)
    if member is not None:
        return {"agent": member}
    team = names.find("team", text)
    if team is not None:
        return {"team": team}
    raise RuleError(f"There is no agent or team “{text[:60]}”.")


def _recipient_name(value: dict, names: Names) -> str:
    if "agent" in value:
        return names.name("agent", value["agent"])
    return f"team {names.name('team', value.get('team'))}"


def _fold_notify(plan: Plan, value: object, rule: int) -> None:
    plan.notify.append((value, rule))


register(
    ActionType(
        key="notify",
        label="Notify an agent or team",
        parse=_recipient,
        describe=lambda value, names: f"notify {_recipient_name(value, names)}",
        fold=_fold_notify,
        show=lambda value, names: _recipient_name(value, names).removeprefix("team "),
        uses=lambda value, obj: (
            (type(obj).__name__ == "Membership" and value.get("agent") == obj.pk)
            or (type(obj).__name__ == "Team" and value.get("team") == obj.pk)
        ),
        help_text="An agent's name or email, or a team's name.",
    )
)


def clean_action(data: dict, names: Names) -> dict:
    kind = action_type(data.get("action"))
    value = kind.parse(str(data.get("text") or ""), names) if kind.takes_value else None
    return {"action": kind.key, "value": value}


def describe_action(action: dict, names: Names) -> str:
    try:
        kind = action_type(action.get("action"))
        return kind.describe(action.get("value"), names)
    except (RuleError, ValueError):
        return f"unknown action “{str(action.get('action'))[:40]}”"


def show_action_value(action: dict, names: Names) -> str:
    try:
        return action_type(action.get("action")).show(action.get("value"), names)
    except (RuleError, ValueError):
        return ""


def action_uses(action: dict, obj: object) -> bool:
    kind = REGISTRY.get(action.get("action"))
    return kind is not None and kind.uses(action.get("value"), obj)
