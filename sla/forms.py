"""Admin forms: opening hours typed as "08:00-12:00, 13:00-18:00", durations as "4h", "90m" or "1h 30m"."""

from __future__ import annotations

import re

from django import forms

from sla.business_time import format_minutes
from sla.models import WEEKDAYS, Calendar, TargetKind
from tickets.models import Category, Channel, Contact, Organisation, Priority, Queue

CONDITION_KEYS = ("tiers", "channels", "organisations", "categories", "queues")
_SPAN = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-\u2013]\s*(\d{1,2})(?::(\d{2}))?\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def parse_day(text: str, weekday: str) -> list[list[int]]:
    text = text.strip()
    if not text or text.lower() in ("closed", "-"):
        return []
    if text.lower() in ("24h", "all day"):
        return [[0, 1440]]
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part)
        if not match:
            raise forms.ValidationError(f"{weekday}: write hours like 08:00-12:00, 13:00-18:00 (not “{part.strip()}”).")
        h1, m1, h2, m2 = (int(value or 0) for value in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise forms.ValidationError(f"{weekday}: “{part.strip()}” is not a time of day.")
        spans.append([h1 * 60 + m1, h2 * 60 + m2])
    return spans


def show_day(intervals) -> str:
    if [list(i) for i in intervals] == [[0, 1440]]:
        return "00:00-24:00"
    return ", ".join(f"{format_minutes(s)}-{format_minutes(e)}" for s, e in intervals)


def parse_duration(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) * 60  # plain minutes
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        raise forms.ValidationError(f"{label}: write a duration like 4h, 90m or 1h 30m.")
    hours, minutes = (int(value or 0) for value in match.groups())
    return hours * 3600 + minutes * 60


def show_duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "") if part)


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = forms.CharField(max_length=64, help_text="Deadlines are computed in this zone, e.g. Europe/Berlin.")
    holiday_country = forms.CharField(
        max_length=3, required=False, label="Public holidays of", help_text="A country code such as DE, US or GB."
    )
    holiday_subdivision = forms.CharField(
        max_length=10, required=False, label="Region", help_text="Optional, such as BY (Bavaria) or CA."
    )

    def __init__(self, *args, calendar: Calendar | None = None, **kwargs):
        if calendar is not None:
            kwargs.setdefault("initial", {}).update(
                name=calendar.name,
                time_zone=calendar.time_zone,
                holiday_country=calendar.holiday_country,
                holiday_subdivision=calendar.holiday_subdivision,
                **{f"day_{i}": show_day(day) for i, day in enumerate(calendar.hours)},
            )
        super().__init__(*args, **kwargs)
        for i, weekday in enumerate(WEEKDAYS):
            self.fields[f"day_{i}"] = forms.CharField(
                label=weekday,
                required=False,
                help_text="Empty: closed. Split shifts with a comma." if i == 0 else "",
            )

    def clean(self):
        data = super().clean()
        hours = []
        for i, weekday in enumerate(WEEKDAYS):
            try:
                hours.append(parse_day(data.get(f"day_{i}", ""), weekday))
            except forms.ValidationError as error:
                self.add_error(f"day_{i}", error)
        data["hours"] = hours
        return data


class HolidayForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=100, required=False)
    recurring = forms.BooleanField(required=False, label="Every year on this day")


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    calendar = forms.ModelChoiceField(queryset=None, help_text="Business time is counted in it.")
    is_default = forms.BooleanField(required=False, label="Default policy (for tickets no other policy matches)")
    position = forms.IntegerField(min_value=0, required=False, help_text="Lower comes first when several match.")
    tiers = forms.MultipleChoiceField(choices=Contact.Tier.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Contact tiers")  # fmt: skip
    channels = forms.MultipleChoiceField(choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple)
    organisations = forms.ModelMultipleChoiceField(queryset=None, required=False)
    categories = forms.ModelMultipleChoiceField(queryset=None, required=False)
    queues = forms.ModelMultipleChoiceField(queryset=None, required=False)
    warn_percent = forms.IntegerField(min_value=1, max_value=99, required=False, label="Warn at % of the target")
    warn_minutes_before = forms.IntegerField(min_value=1, required=False, label="…or warn minutes before")
    pause_on_hold = forms.BooleanField(required=False, label="On hold pauses the resolution clock too")

    def __init__(self, *args, policy=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if policy is not None:
            conditions = policy.conditions or {}
            initial.update(
                name=policy.name,
                calendar=policy.calendar_id,
                is_default=policy.is_default,
                position=policy.position,
                warn_percent=policy.warn_percent,
                warn_minutes_before=policy.warn_minutes_before,
                pause_on_hold=policy.pause_on_hold,
                **{key: conditions.get(key, []) for key in CONDITION_KEYS},
            )
            for priority in Priority:
                for kind in TargetKind:
                    target = (policy.targets or {}).get(str(priority.value), {}).get(kind.value) or {}
                    initial[f"t_{priority.value}_{kind.value}"] = show_duration(target.get("seconds"))
            for kind in TargetKind:
                initial[f"b_{kind.value}"] = all(
                    ((policy.targets or {}).get(str(p.value), {}).get(kind.value) or {}).get("business", True)
                    for p in Priority
                )
        else:
            initial.setdefault("warn_percent", 80)
            for kind in TargetKind:
                initial.setdefault(f"b_{kind.value}", True)
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["categories"].queryset = Category.objects.filter(parent=None).order_by("position", "name")
        self.fields["queues"].queryset = Queue.objects.order_by("name")
        for kind in TargetKind:
            self.fields[f"b_{kind.value}"] = forms.BooleanField(
                required=False, label=f"{kind.label}: business time (unticked: calendar time)"
            )
        for priority in Priority:
            for kind in TargetKind:
                self.fields[f"t_{priority.value}_{kind.value}"] = forms.CharField(
                    required=False, label=f"{priority.label}: {kind.label.lower()}", max_length=20
                )

    def target_rows(self):
        return [
            (priority.label, [self[f"t_{priority.value}_{kind.value}"] for kind in TargetKind]) for priority in Priority
        ]

    def clean(self):
        data = super().clean()
        targets: dict = {}
        for priority in Priority:
            for kind in TargetKind:
                name = f"t_{priority.value}_{kind.value}"
                try:
                    seconds = parse_duration(data.get(name) or "", self.fields[name].label)
                except forms.ValidationError as error:
                    self.add_error(name, error)
                    continue
                if seconds is not None:
                    targets.setdefault(str(priority.value), {})[kind.value] = {
                        "seconds": seconds,
                        "business": bool(data.get(f"b_{kind.value}")),
                    }
        data["targets"] = targets
        data["conditions"] = {key: [getattr(v, "pk", v) for v in data.get(key) or []] for key in CONDITION_KEYS}
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "calendar": data["calendar"],
            "is_default": data["is_default"],
            "targets": data["targets"],
            "conditions": data["conditions"],
            "warn_percent": data["warn_percent"],
            "warn_minutes_before": data["warn_minutes_before"],
            "pause_on_hold": data["pause_on_hold"],
            **({"position": data["position"]} if data.get("position") is not None else {}),
        }


class LadderStepForm(forms.Form):
    """One escalation step: when (the target and the moment) and what (any of the actions)."""

    MOMENTS = (("warning", "At the warning"), ("breach", "At the breach"), ("after", "Hours after the breach"))

    target_kind = forms.ChoiceField(label="Target", choices=TargetKind.choices)
    moment = forms.ChoiceField(label="When", choices=MOMENTS)
    after_hours = forms.IntegerField(
        label="Hours after the breach", min_value=1, max_value=720, required=False,
        help_text="Only for “Hours after the breach”.",
    )  # fmt: skip
    notify_members = forms.ModelMultipleChoiceField(
        label="Notify people", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    notify_teams = forms.ModelMultipleChoiceField(
        label="Notify teams", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    raise_priority_to = forms.TypedChoiceField(
        label="Raise the priority to", coerce=int, empty_value=None, required=False,
        choices=[("", "Leave as it is"), *Priority.choices],
    )  # fmt: skip
    move_to_queue = forms.ModelChoiceField(label="Move to queue", queryset=None, required=False, empty_label="Leave")
    reassign_to = forms.ModelChoiceField(label="Reassign to", queryset=None, required=False, empty_label="Leave")
    raise_tier_to = forms.TypedChoiceField(
        label="Raise the escalation tier to", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, staff, teams, queues, tiers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notify_members"].queryset = staff
        self.fields["notify_members"].label_from_instance = lambda member: member.display_name
        self.fields["reassign_to"].queryset = staff
        self.fields["reassign_to"].label_from_instance = lambda member: member.display_name
        self.fields["notify_teams"].queryset = teams
        self.fields["move_to_queue"].queryset = queues
        self.fields["raise_tier_to"].choices = [("", "Leave as it is"), *((t.level, t.name) for t in tiers)]

    def clean(self):
        data = super().clean()
        moment = data.get("moment")
        if moment == "after" and not data.get("after_hours"):
            self.add_error("after_hours", "Say how many hours after the breach the step runs.")
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        moment = data["moment"]
        return {
            "target_kind": data["target_kind"],
            "trigger": "warning" if moment == "warning" else "breach",
            "after_hours": (data.get("after_hours") or 0) if moment == "after" else 0,
            "notify_members": list(data.get("notify_members") or ()),
            "notify_teams": list(data.get("notify_teams") or ()),
            "raise_priority_to": data.get("raise_priority_to"),
            "move_to_queue": data.get("move_to_queue"),
            "reassign_to": data.get("reassign_to"),
            "raise_tier_to": data.get("raise_tier_to"),
        }
