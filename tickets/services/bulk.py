"""Bulk actions on many tickets: each ticket goes through its own service call in its own transaction, so every
ticket gets its audit events and one feed entry, and one refusal never undoes the others; the result says, per
ticket, what changed, what was already as asked, and what was refused and why. Field changes go through
update_ticket (one call per ticket); claim and merge through their own services."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from tenancy.models import CrossTenantError, Membership
from tickets import selectors
from tickets.custom_fields.definitions import fields_by_key
from tickets.custom_fields.validation import FieldValueError, clean_values
from tickets.errors import TicketError
from tickets.lifecycle import Status
from tickets.models import Priority, Queue, Tag, Ticket
from tickets.services.assignment import claim
from tickets.services.events import ServiceError, require_staff
from tickets.services.relations import merge
from tickets.services.tags import normalise_tag
from tickets.services.updates import NothingToChange, update_ticket

MAX_BULK = 1000
ACTIONS = ("assign", "claim", "status", "priority", "queue", "tag", "merge", "field")


class BulkError(ServiceError):
    """The whole bulk action was refused before any ticket was touched."""


@dataclass(frozen=True)
class Outcome:
    ticket_id: int | None
    reference: str
    result: str  # "changed", "unchanged" or "refused"
    message: str

    @property
    def changed(self) -> bool:
        return self.result == "changed"

    @property
    def refused(self) -> bool:
        return self.result == "refused"


@dataclass
class BulkResult:
    action: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "changed"]

    @property
    def unchanged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "unchanged"]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "refused"]

    @property
    def summary(self) -> str:
        parts = [f"{len(self.changed)} changed"]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} already as asked")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return ", ".join(parts) + "."


NOT_VISIBLE = "Not found, or not visible to you; left unchanged."


def apply_bulk(*, tickets: list[Ticket], action: str, actor: Membership, **params) -> BulkResult:
    """Apply one action to each ticket through the ticket services, each in its own transaction (a savepoint
    inside a request). Tickets the actor may not see are refused and never touched.

    params by action: assign: assignee (Membership, or None to unassign); status: status, reason; priority:
    priority; queue: queue; tag: names; merge: target (one of `tickets`); field: key, value (a custom field's
    value, None to clear it)."""
    require_staff(actor)
    if action not in ACTIONS:
        raise BulkError(f"Unknown bulk action “{action}”.")
    if len(tickets) > MAX_BULK:
        raise BulkError(
            f"A bulk action changes at most {MAX_BULK:,} tickets; this one would change {len(tickets):,}. "
            "Narrow the filters and try again."
        )
    run = _RUNNERS[action]
    _check_params(action, params, tickets)
    visible = set(selectors.visible_tickets(actor).filter(pk__in=[t.pk for t in tickets]).values_list("pk", flat=True))
    if action == "merge" and params["target"].pk not in visible:
        raise BulkError("The ticket to merge into is not visible to you.")
    result = BulkResult(action=action)
    for ticket in tickets:
        if ticket.pk not in visible:
            result.outcomes.append(Outcome(ticket.pk, "A selected ticket", "refused", NOT_VISIBLE))
            continue
        reference = ticket.reference
        try:
            with transaction.atomic():
                outcome, message = run(ticket, actor, **params)
        except NothingToChange as already:
            result.outcomes.append(Outcome(ticket.pk, reference, "unchanged", str(already)))
        except (TicketError, CrossTenantError) as refused:
            result.outcomes.append(Outcome(ticket.pk, reference, "refused", str(refused)))
        else:
            result.outcomes.append(Outcome(ticket.pk, reference, outcome, message))
    return result


def _check_params(action: str, params: dict, tickets: list[Ticket]) -> None:
    if action == "status" and params.get("status") not in Status.values:
        raise BulkError("Choose a status.")
    if action == "priority" and params.get("priority") not in Priority.values:
        raise BulkError("Choose a priority.")
    if action == "queue" and not isinstance(params.get("queue"), Queue):
        raise BulkError("Choose a queue.")
    if action == "tag" and not [name for name in params.get("names") or [] if name.strip()]:
        raise BulkError("Type at least one tag.")
    if action == "field":
        key = params.get("key")
        field = fields_by_key().get(key) if isinstance(key, str) else None
        if field is None or field.archived:
            raise BulkError("Choose a field.")
        try:
            params["value"] = clean_values({key: params.get("value")}, fields=fields_by_key())[key]
        except FieldValueError as refused:
            raise BulkError(str(refused)) from None
    if action == "merge":
        target = params.get("target")
        if not isinstance(target, Ticket) or target.pk not in {t.pk for t in tickets}:
            raise BulkError("Pick the ticket to merge into among the selected ones.")
        if len(tickets) < 2:
            raise BulkError("Select at least two tickets to merge.")


# Each runner makes one service call and returns ("changed" | "unchanged", what it did in words); a field change
# to what the ticket already has comes back from update_ticket as NothingToChange, reported as "unchanged".


def _assign(ticket: Ticket, actor: Membership, *, assignee: Membership | None) -> tuple[str, str]:
    update_ticket(ticket=ticket, changes={"assignee": assignee}, actor=actor, reason="bulk")
    return "changed", f"Assigned to {assignee.display_name}." if assignee else "Unassigned."


def _claim(ticket: Ticket, actor: Membership) -> tuple[str, str]:
    if ticket.assignee_id == actor.pk:
        return "unchanged", "Already yours."
    claim(ticket=ticket, actor=actor)
    return "changed", "Claimed: now yours."


def _status(ticket: Ticket, actor: Membership, *, status: str, reason: str = "") -> tuple[str, str]:
    old = ticket.get_status_display()
    changed = update_ticket(ticket=ticket, changes={"status": status}, actor=actor, reason=reason or "bulk")
    return "changed", f"Status {old} → {changed.get_status_display()}."


def _priority(ticket: Ticket, actor: Membership, *, priority: int) -> tuple[str, str]:
    old = ticket.get_priority_display()
    update_ticket(ticket=ticket, changes={"priority": priority}, actor=actor, reason="bulk")
    return "changed", f"Priority {old} → {Priority(priority).label}."


def _queue(ticket: Ticket, actor: Membership, *, queue: Queue) -> tuple[str, str]:
    update_ticket(ticket=ticket, changes={"queue": queue}, actor=actor, reason="bulk")
    return "changed", f"Moved to {queue.name}."


def _tag(ticket: Ticket, actor: Membership, *, names: list[str]) -> tuple[str, str]:
    carried = {name.lower() for name in Tag.objects.filter(tickettag__ticket=ticket).values_list("name", flat=True)}
    update_ticket(ticket=ticket, changes={"add_tags": names}, actor=actor, reason="bulk")
    added = sorted({normalise_tag(name) for name in names} - {""} - carried)
    return "changed", "Tagged " + ", ".join(added) + "."


def _merge(ticket: Ticket, actor: Membership, *, target: Ticket) -> tuple[str, str]:
    if ticket.pk == target.pk:
        return "unchanged", "The merge target: the others were merged into it."
    merge(source=ticket, target=target, actor=actor, reason="bulk merge")
    return "changed", f"Merged into {target.reference}."


def _field(ticket: Ticket, actor: Membership, *, key: str, value: object) -> tuple[str, str]:
    update_ticket(ticket=ticket, changes={"custom_fields": {key: value}}, actor=actor, reason="bulk")
    field = fields_by_key()[key]
    return "changed", f"{field.label}: {field.display(value) or 'cleared'}."


_RUNNERS = {
    "assign": _assign,
    "claim": _claim,
    "status": _status,
    "priority": _priority,
    "queue": _queue,
    "tag": _tag,
    "merge": _merge,
    "field": _field,
}
