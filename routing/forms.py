"""The rule editor's form: a name, whether all or any condition must hold, and a fixed number of condition and
action rows (field, test, value as text, "not"), so the page works without JavaScript. Blank rows are ignored;
the services validate the rest (routing.services.clean_rule)."""

from __future__ import annotations

from django import forms

from routing.actions import REGISTRY as ACTIONS
from routing.actions import show_action_value
from routing.conditions import all_types, show_condition_value
from routing.models import Rule
from routing.names import Names

CONDITION_ROWS = 6
ACTION_ROWS = 6


def _operator_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind in all_types():
        for op, words in kind.operators.items():
            seen.setdefault(op, words)
    return [("", "—"), *list(seen.items())]


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    match = forms.ChoiceField(choices=Rule.Match.choices, initial=Rule.Match.ALL, label="Match when")
    stop_processing = forms.BooleanField(required=False, label="Stop here: later rules are not evaluated")
    on_update = forms.BooleanField(required=False, label="Also run when the ticket changes (not only when created)")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, rule: Rule | None = None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(rule)
        super().__init__(*args, **kwargs)
        field_choices = [("", "—")] + [(kind.key, kind.label) for kind in all_types()]
        op_choices = _operator_choices()
        action_choices = [("", "—")] + [(kind.key, kind.label) for kind in ACTIONS.values()]
        for i in range(CONDITION_ROWS):
            self.fields[f"cond_{i}_field"] = forms.ChoiceField(choices=field_choices, required=False, label="If")
            self.fields[f"cond_{i}_op"] = forms.ChoiceField(choices=op_choices, required=False, label="Test")
            self.fields[f"cond_{i}_text"] = forms.CharField(required=False, max_length=600, label="Value")
            self.fields[f"cond_{i}_negate"] = forms.BooleanField(required=False, label="Not")
        for i in range(ACTION_ROWS):
            self.fields[f"act_{i}_action"] = forms.ChoiceField(choices=action_choices, required=False, label="Then")
            self.fields[f"act_{i}_text"] = forms.CharField(
                required=False, max_length=2000, label="Value", widget=forms.TextInput
            )

    def condition_rows(self):
        return [
            (self[f"cond_{i}_field"], self[f"cond_{i}_op"], self[f"cond_{i}_text"], self[f"cond_{i}_negate"])
            for i in range(CONDITION_ROWS)
        ]

    def action_rows(self):
        return [(self[f"act_{i}_action"], self[f"act_{i}_text"]) for i in range(ACTION_ROWS)]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        conditions = [
            {"field": data[f"cond_{i}_field"], "op": data[f"cond_{i}_op"], "text": data[f"cond_{i}_text"],
             "negate": data[f"cond_{i}_negate"]}
            for i in range(CONDITION_ROWS)
            if data.get(f"cond_{i}_field")
        ]  # fmt: skip
        actions = [
            {"action": data[f"act_{i}_action"], "text": data[f"act_{i}_text"]}
            for i in range(ACTION_ROWS)
            if data.get(f"act_{i}_action")
        ]
        return {
            "name": data["name"],
            "match": data["match"],
            "conditions": conditions,
            "actions": actions,
            "stop_processing": data["stop_processing"],
            "on_update": data["on_update"],
            "is_active": data["is_active"],
        }


def initial_for(rule: Rule) -> dict:
    names = Names()
    initial = {
        "name": rule.name,
        "match": rule.match,
        "stop_processing": rule.stop_processing,
        "on_update": rule.on_update,
        "is_active": rule.is_active,
    }
    for i, condition in enumerate(rule.conditions[:CONDITION_ROWS]):
        initial |= {
            f"cond_{i}_field": condition.get("field"),
            f"cond_{i}_op": condition.get("op"),
            f"cond_{i}_text": show_condition_value(condition, names),
            f"cond_{i}_negate": bool(condition.get("negate")),
        }
    for i, action in enumerate(rule.actions[:ACTION_ROWS]):
        initial |= {f"act_{i}_action": action.get("action"), f"act_{i}_text": show_action_value(action, names)}
    return initial


class TicketReferenceForm(forms.Form):
    ticket = forms.CharField(max_length=40, label="Ticket", help_text="Its reference, like ACME-12, or its number.")

    def clean_ticket(self) -> int:
        text = self.cleaned_data["ticket"].strip()
        digits = text.rsplit("-", 1)[-1].lstrip("#")
        if not digits.isdigit():
            raise forms.ValidationError("Give a ticket reference like ACME-12, or its number.")
        return int(digits)


class RerunForm(forms.Form):
    tickets = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="References or numbers, separated by commas, spaces or lines.",
    )

    def clean_tickets(self) -> list[int]:
        numbers = []
        for item in self.cleaned_data["tickets"].replace(",", " ").split():
            digits = item.rsplit("-", 1)[-1].lstrip("#")
            if not digits.isdigit():
                raise forms.ValidationError(f"“{item[:30]}” is not a ticket reference.")
            numbers.append(int(digits))
        return sorted(set(numbers))


class SimulateForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=365, initial=30, label="Replay the last", help_text="days")
