"""SLA's condition for routing rules: "inside business hours", by the tenant's default SLA policy's calendar at
the moment the ticket was created (sla extends routing's registry; routing never imports sla)."""

from __future__ import annotations

from django.utils import timezone

from routing.conditions import ConditionType, register
from sla.business_time import compiled, is_open
from sla.models import SlaPolicy

MEMO_KEY = "sla.default_calendar"


def _default_calendar(ctx):
    """The default policy's compiled calendar, read once per routing run (None: no default policy)."""
    if MEMO_KEY not in ctx.memo:
        policy = SlaPolicy.objects.filter(is_default=True).select_related("calendar").first()
        ctx.memo[MEMO_KEY] = compiled(policy.calendar) if policy is not None else None
    return ctx.memo[MEMO_KEY]


def _inside(facts, ctx) -> bool:
    calendar = _default_calendar(ctx)
    if calendar is None:
        return True  # no calendar: the help desk is open around the clock
    return is_open(calendar, facts.created_at or timezone.now())


BUSINESS_HOURS = register(
    ConditionType(
        key="business_hours",
        label="Business hours",
        operators={"inside": "was created inside business hours"},
        parse=lambda op, text, names: None,
        compile=lambda op, value: _inside,
        reads=frozenset({"created_at"}),
        describe=lambda op, value, names: "it came in inside business hours",
        help_text="No value: the default SLA policy's calendar. Tick “Not” for outside business hours.",
        no_value_ops=frozenset({"inside"}),
    )
)
