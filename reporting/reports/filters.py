"""What a report is about: the period (dates in the tenant's zone, a bucket size) and which tickets.

Filters read the ticket as it is now: a ticket moved from Billing to Support counts under Support, once. Merged
tickets and spam are never counted. Every choice list is the current tenant's; an id of another tenant's
queue is simply not a choice (the form refuses it), so no report can be pointed at foreign rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.http import urlencode

from reporting.reports.period import INTERVALS, MAX_DAYS, MAX_HOUR_DAYS, Period
from tenancy.models import Membership, Tenant
from tenancy.roles import STAFF_ROLES
from tenancy.times import zone_for
from tickets.custom_fields.registry import FieldConditionError, field_condition, groupable_fields
from tickets.lifecycle import Status
from tickets.models import Category, Channel, Organisation, Priority, Queue, Team, Ticket

DEFAULT_DAYS = 30
CF_PREFIX = "cf_"
# The query parameters that describe the tickets (kept in every drill-down and CSV link).
# Never counted: merged tickets (their work is the target's) and spam. tickets 0019 indexes exactly these.
EXCLUDED_Q = Q(merged_into__isnull=False) | Q(status=Status.SPAM)
TICKET_PARAMS = ("queue", "team", "category", "channel", "priority", "organisation", "agent")


# What an unset filter reads as in its menu (Django's default is a row of dashes).
ALL = "All"


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    interval = forms.ChoiceField(required=False, choices=list(INTERVALS.items()), label="Buckets")
    queue = forms.ModelChoiceField(queryset=None, required=False, empty_label=ALL)
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label=ALL)
    category = forms.ModelChoiceField(queryset=None, required=False, empty_label=ALL)
    channel = forms.ChoiceField(required=False, choices=[("", ALL), *Channel.choices])
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", ALL), *Priority.choices]
    )
    organisation = forms.ModelChoiceField(queryset=None, required=False, empty_label=ALL)
    agent = forms.ModelChoiceField(queryset=None, required=False, empty_label=ALL)

    def __init__(self, data: QueryDict, *, tenant: Tenant, today: date) -> None:
        super().__init__(data)
        self.tenant, self.today = tenant, today
        self.fields["queue"].queryset = Queue.objects.all()
        self.fields["team"].queryset = Team.objects.all()
        self.fields["category"].queryset = Category.objects.filter(parent=None)
        self.fields["organisation"].queryset = Organisation.objects.all()
        agents = Membership.objects.filter(role__in=STAFF_ROLES, is_active=True).select_related("user")
        self.fields["agent"].queryset = agents.order_by("user__full_name", "user__email")
        self.fields["agent"].label_from_instance = lambda m: m.display_name or m.user.email
        self.custom = {}
        for definition in groupable_fields():
            name = CF_PREFIX + definition.key
            if definition.choices:
                choices = [("", ALL), *definition.choices]
            else:
                choices = [("", ALL), ("yes", "Ticked"), ("no", "Not ticked")]
            self.fields[name] = forms.ChoiceField(required=False, choices=choices, label=definition.label)
            self.custom[name] = definition

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date is after the end date.")
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        interval = data.get("interval") or ("hour" if days <= 2 else "day" if days <= 62 else "week")
        if interval == "hour" and days > MAX_HOUR_DAYS:
            raise forms.ValidationError(f"Hourly buckets cover at most {MAX_HOUR_DAYS} days; choose days or weeks.")
        data["start"], data["end"], data["interval"] = start, end, interval
        return data


class ReportFilters:
    """The cleaned filters: the period and the Q that picks the tickets. Invalid input falls back to the
    default period with the form's errors shown (never a 500)."""

    def __init__(self, data: QueryDict, *, tenant: Tenant, today: date) -> None:
        self.form = ReportFilterForm(data, tenant=tenant, today=today)
        zone = zone_for(tenant=tenant)
        if self.form.is_valid():
            cleaned = self.form.cleaned_data
        else:
            cleaned = {"start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today, "interval": "day"}
        self.cleaned = cleaned
        # The form shows the period actually used (the defaults when none was asked for).
        shown = data.copy()
        shown.update(
            {"start": cleaned["start"].isoformat(), "end": cleaned["end"].isoformat(), "interval": cleaned["interval"]}
        )
        if self.form.is_valid():
            self.form.data = shown
        self.group_by = str(data.get("group", ""))[:40]
        self.extra_errors: list[str] = []
        self._param_cache: dict[str, str] | None = None
        self.period = Period(
            first_day=cleaned["start"], last_day=cleaned["end"], zone=zone, interval=cleaned["interval"]
        )

    @property
    def errors(self) -> list[str]:
        found = [str(message) for messages in self.form.errors.values() for message in messages]
        return found + self.extra_errors

    def ticket_q(self, prefix: str = "") -> Q:
        """The tickets the filters pick, always without merged tickets and spam; `prefix` ("ticket__") when the
        query runs over rows that point at tickets (events, targets, ratings), so the join carries the filter."""
        p = prefix
        c = self.cleaned
        if p and not self.narrows_tickets:
            # Nothing to join for: leave out the few merged and spam tickets by id (their partial index), rather
            # than joining every event or target of the period to its ticket.
            return ~Q(**{f"{p}in": Ticket.objects.filter(EXCLUDED_Q).values("pk")})
        q = Q(**{f"{p}merged_into__isnull": True}) & ~Q(**{f"{p}status": Status.SPAM})
        for name, lookup in (
            ("queue", "queue"),
            ("team", "team"),
            ("category", "category"),
            ("organisation", "contact__organisation"),
            ("agent", "assignee"),
        ):
            if c.get(name) is not None:
                q &= Q(**{p + lookup: c[name]})
        if c.get("channel"):
            q &= Q(**{f"{p}channel": c["channel"]})
        if c.get("priority") is not None:
            q &= Q(**{f"{p}priority": c["priority"]})
        custom = self.custom_q()
        if custom is not None:
            # Custom-field conditions are written for Ticket rows (JSON containment, or raw SQL on SQLite).
            q &= (
                Q(pk__in=Ticket.objects.filter(custom).values("pk"))
                if not p
                else Q(**{f"{p}in": Ticket.objects.filter(custom).values("pk")})
            )
        return q

    @property
    def narrows_tickets(self) -> bool:
        """Whether a ticket filter is chosen (beyond leaving out merged tickets and spam)."""
        c = self.cleaned
        chosen = [c.get(name) for name in (*TICKET_PARAMS, *getattr(self.form, "custom", {}))]
        return any(value not in (None, "") for value in chosen)

    def custom_q(self) -> Q | None:
        q = None
        c = self.cleaned
        for name, definition in getattr(self.form, "custom", {}).items():
            value = c.get(name)
            if not value:
                continue
            try:
                if definition.type == "checkbox":
                    condition = field_condition(definition.key, "is_checked" if value == "yes" else "is_not_checked")
                elif definition.type == "multi_choice":
                    condition = field_condition(definition.key, "includes", value)
                else:
                    condition = field_condition(definition.key, "is", value)
            except FieldConditionError:
                continue  # an archived field keeps no filter: the form offered it, the grouping still shows it
            q = condition.q() if q is None else q & condition.q()
        return q

    def tickets(self) -> QuerySet:
        return Ticket.objects.filter(self.ticket_q())

    def query(self, **extra) -> str:
        """The query string of these filters (plus `extra`; None removes a key), for drill-down, CSV and links."""
        params = dict(self._params())
        for name, value in extra.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = str(value)
        return urlencode(params)

    def _params(self) -> dict[str, str]:
        if self._param_cache is None:
            params = {
                "start": self.period.first_day.isoformat(),
                "end": self.period.last_day.isoformat(),
                "interval": self.period.interval,
            }
            for name in (*TICKET_PARAMS, *getattr(self.form, "custom", {})):
                value = self.cleaned.get(name)
                if value not in (None, ""):
                    params[name] = str(getattr(value, "pk", value))
            self._param_cache = params
        return self._param_cache
