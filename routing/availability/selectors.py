"""Who is available now, with their load: two queries whatever the number of members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from tenancy.models import Membership
from tenancy.roles import STAFF_ROLES
from tickets.models import Ticket


@dataclass(frozen=True)
class AgentAvailability:
    name: str
    availability: str
    availability_label: str
    since: datetime
    load: int
    capacity: int


def list_availability() -> list[AgentAvailability]:
    members = list(
        Membership.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    loads = dict(
        Ticket.objects.open()
        .filter(assignee__isnull=False)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return [
        AgentAvailability(
            name=m.display_name,
            availability=m.availability,
            availability_label=m.get_availability_display(),
            since=m.availability_changed_at,
            load=loads.get(m.pk, 0),
            capacity=m.capacity,
        )
        for m in members
    ]
