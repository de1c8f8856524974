"""Several field changes to one ticket in one call: `update_ticket`, for the API, bulk actions, routing and SLA.

Each change goes through its own per-field service (which validates it, guards the tenant and the member's limits,
and records its events), all inside one transaction: one refused change rolls back the others, and the change
feed gets exactly one entry for the call. Claim and merge are not field changes and keep their own services."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, transaction

from tenancy.db.router import scope_alias
from tenancy.models import Membership
from tickets import clock
from tickets.lifecycle import Status, is_open
from tickets.models import Category, Priority, Queue, Tag, Ticket, TicketTag
from tickets.selectors.structure import check_escalation_level, escalation_label, list_tiers
from tickets.services.assignment import assign, unassign
from tickets.services.common import Edit, held_instance, holding, lock
from tickets.services.events import Actor, Automation, ServiceError, record_events, require_desk_actor
from tickets.services.field_values import changed_keys, clean_for, set_custom_fields
from tickets.services.later import keeping
from tickets.services.relations import tag, untag
from tickets.services.tags import normalise_tag, tags_together
from tickets.services.workflow import (
    categorise,
    category_edit,
    change_priority,
    change_status,
    check_category,
    escalate,
    escalation_edit,
    move_to_queue,
    priority_edit,
    queue_edit,
)

# The fields a call may change. `custom_fields` is {key: value} for the keys to change (None clears one); the
# others keep their values (tickets.services.field_values).
# Tags come two ways: `tags` is the full list (missing ones are removed, new ones
# added, as the API's PATCH means it); `add_tags` / `remove_tags` change only the names given (a bulk "add tags").
FIELDS = (
    "status",
    "priority",
    "queue",
    "category",
    "subcategory",
    "assignee",
    "tags",
    "add_tags",
    "remove_tags",
    "escalation_level",
    "custom_fields",
)


class NothingToChange(ServiceError):
    """A person asked only for values the ticket already has. Automations get no error: for them it is a no-op."""


def update_ticket(*, ticket: Ticket, changes: dict, actor: Actor, reason: str = "") -> Ticket:
    """Apply `changes` ({field: new value}, fields from FIELDS) through the per-field services, all or nothing.

    Fields already at the asked value are skipped. If nothing would change, an automation gets the ticket back
    untouched (no event, no feed entry) and a person a NothingToChange naming what is already so; a person who
    changes something else in the same call is not told about the unchanged fields (a form sends them all).

    Order: a status that reopens a ticket (resolved or closed to an open status) goes first, since assigning and
    escalating need an open ticket; any other status last, so "move to Billing and resolve" resolves the moved
    ticket; the rest in FIELDS order."""
    unknown = [name for name in changes if name not in FIELDS]
    if unknown:
        names = ", ".join(f"“{name}”" for name in unknown)
        raise ServiceError(f"A ticket has no field {names} to change; the fields are: {', '.join(FIELDS)}.")
    if not changes:
        raise ServiceError("Give at least one field to change.")
    require_desk_actor(actor)
    _check_values(changes)
    if "custom_fields" in changes:
        # Checked (types, choices, archived, unknown keys) before the ticket is locked; only the keys given.
        changes = {**changes, "custom_fields": clean_for(actor, changes["custom_fields"])}
    with transaction.atomic():
        ticket = lock(ticket)
        steps, already = _plan(ticket, changes)
        if not steps:
            if isinstance(actor, Automation):
                return ticket
            raise NothingToChange(f"The ticket is {_join(already)}.")
        warnings = []
        with holding(ticket) as held:
            for step in steps:
                ticket = held[ticket.pk] = step(ticket, actor, reason)
                warnings += getattr(ticket, "warnings", [])
                ticket.warnings = []  # the next step may hand back the same instance
    # What a service allowed but the person should know (assign: "Ana is at 10 of 10 open tickets").
    ticket.warnings = warnings
    return ticket


def _check_values(changes: dict, tiers: list | None = None) -> None:
    """Refuse values of the wrong kind with a message; the services check the rest (a status's transition, a
    queue's team, the tenant of every object). `tiers`: the tenant's escalation tiers, if read already."""
    if "queue" in changes and not isinstance(changes["queue"], Queue):
        raise ServiceError("Choose a queue.")
    for name in ("category", "subcategory"):
        if changes.get(name) is not None and not isinstance(changes[name], Category):
            raise ServiceError(f"Choose a {name}, or none.")
    if changes.get("assignee") is not None and not isinstance(changes["assignee"], Membership):
        raise ServiceError("Choose an agent to assign to, or none.")
    if "status" in changes and changes["status"] not in Status.values:
        raise ServiceError(f"“{changes['status']}” is not a ticket status.")
    if "priority" in changes and changes["priority"] not in Priority.values:
        raise ServiceError(f"Unknown priority “{changes['priority']}”.")
    if "escalation_level" in changes:
        check_escalation_level(changes["escalation_level"], list_tiers() if tiers is None else tiers)
    if "custom_fields" in changes and not isinstance(changes["custom_fields"], dict):
        raise ServiceError("“custom_fields” is an object of {field key: value}.")
    tag_fields = [name for name in ("tags", "add_tags", "remove_tags") if name in changes]
    if "tags" in tag_fields and len(tag_fields) > 1:
        raise ServiceError("Give either the full list of tags or the tags to add and remove, not both.")
    for name in tag_fields:
        value = changes[name]
        if isinstance(value, str) or not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
            raise ServiceError(f"“{name}” is a list of tag names.")
        if name != "tags" and not _names(value):
            raise ServiceError("Give at least one tag.")


def _names(values: Iterable[str]) -> set[str]:
    return {normalise_tag(value) for value in values} - {""}


def _plan(ticket: Ticket, changes: dict) -> tuple[list, list[str]]:
    """The service calls that would change something, in order, and what is already as asked (in words)."""
    steps, already = [], []
    status = changes.get("status")
    reopening = status is not None and not ticket.is_open and is_open(status)
    if status is not None and status == ticket.status:
        already.append(f"already {Status(status).label.lower()}")
    if reopening:
        steps.append(lambda t, actor, reason: change_status(ticket=t, status=status, actor=actor, reason=reason))

    if "priority" in changes:
        priority = changes["priority"]
        if priority == ticket.priority:
            already.append(f"already {Priority(priority).label} priority")
        else:
            steps.append(lambda t, a, r: change_priority(ticket=t, priority=priority, actor=a, reason=r))

    if "queue" in changes:
        queue = changes["queue"]
        if queue.pk == ticket.queue_id:
            already.append(f"already in {queue.name}")
        else:
            steps.append(lambda t, a, r: move_to_queue(ticket=t, queue=queue, actor=a, reason=r))

    if "category" in changes or "subcategory" in changes:
        category, subcategory = _category_target(ticket, changes)
        category_id = getattr(category, "pk", None)
        if (category_id, getattr(subcategory, "pk", None)) == (ticket.category_id, ticket.subcategory_id):
            path = " / ".join(c.name for c in (category, subcategory) if c is not None)
            already.append(f"already in {path}" if path else "already uncategorised")
        else:
            steps.append(
                lambda t, a, r: categorise(ticket=t, category=category, subcategory=subcategory, actor=a, reason=r)
            )

    if "assignee" in changes:
        assignee = changes["assignee"]
        if assignee is None and ticket.assignee_id is None:
            already.append("already unassigned")
        elif assignee is None:
            steps.append(lambda t, a, r: unassign(ticket=t, actor=a, reason=r))
        elif assignee.pk == ticket.assignee_id:
            already.append(f"already assigned to {assignee.display_name}")
        else:
            steps.append(lambda t, a, r: assign(ticket=t, assignee=assignee, actor=a, reason=r))

    tag_steps, tag_already = _plan_tags(ticket, changes)
    steps += tag_steps
    already += tag_already

    if "escalation_level" in changes:
        level = changes["escalation_level"]
        if level == ticket.escalation_level:
            already.append(f"already at “{escalation_label(level, list_tiers())}”")
        else:
            steps.append(lambda t, a, r: escalate(ticket=t, level=level, actor=a, reason=r))

    if "custom_fields" in changes:
        values = changes["custom_fields"]
        keys = changed_keys(ticket, values)
        if not keys:
            already.append("already filled in as given")
        else:
            wanted = {key: values[key] for key in keys}
            steps.append(lambda t, a, r: set_custom_fields(ticket=t, values=wanted, actor=a, reason=r))

    # After the fields: "fill in the product and resolve" resolves with the product filled in.
    if status is not None and status != ticket.status and not reopening:
        steps.append(lambda t, a, r: change_status(ticket=t, status=status, actor=a, reason=r))
    return steps, already


def _category_target(ticket: Ticket, changes: dict) -> tuple[Category | None, Category | None]:
    """The category and subcategory `changes` ask for. A subcategory not given stays while the category does; a
    new category starts without one."""
    category = changes.get("category", ticket.category)
    kept = ticket.subcategory if getattr(category, "pk", None) == ticket.category_id else None
    return category, changes.get("subcategory", kept)


def _plan_tags(ticket: Ticket, changes: dict) -> tuple[list, list[str]]:
    if not {"tags", "add_tags", "remove_tags"} & set(changes):
        return [], []
    carried = {t.name.lower(): t for t in Tag.objects.filter(tickettag__ticket=ticket)}
    if "tags" in changes:
        wanted = _names(changes["tags"])
        to_add, to_remove = wanted - set(carried), set(carried) - wanted
        said = f"already tagged exactly {', '.join(sorted(wanted))}" if wanted else "already without tags"
    else:
        adding, removing = _names(changes.get("add_tags", ())), _names(changes.get("remove_tags", ()))
        to_add, to_remove = adding - set(carried), (removing & set(carried)) - adding
        said = " and ".join(
            part
            for part in (
                adding and f"already tagged {', '.join(sorted(adding))}",
                removing and f"already without {', '.join(sorted(removing))}",
            )
            if part
        )
    if not to_add and not to_remove:
        return [], [said]
    steps = []
    if to_add:
        steps.append(lambda t, a, r: _tagged(t, a, r, names=sorted(to_add)))
    for name in sorted(to_remove):
        steps.append(lambda t, a, r, removed=carried[name]: _untagged(t, a, r, removed))
    return steps, []


def _tagged(ticket: Ticket, actor: Actor, reason: str, *, names: list[str]) -> Ticket:
    tag(ticket=ticket, names=names, actor=actor, reason=reason)
    return ticket


def _untagged(ticket: Ticket, actor: Actor, reason: str, removed: Tag) -> Ticket:
    untag(ticket=ticket, tag=removed, actor=actor, reason=reason)
    return ticket


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# The fields `update_tickets` changes on many tickets at once, in the order `update_ticket` applies them.
TOGETHER = ("priority", "queue", "category", "subcategory", "escalation_level")


def update_tickets(*, changes: list[tuple[Ticket, dict]], actor: Automation, reasons: dict[int, str]) -> set[int]:
    """`update_ticket` for many tickets an automation holds locked (`holding`), each with its own changes and
    reason: the same checks, values and audit events per ticket, through the same per-field code, but written
    with one UPDATE for all the tickets and one INSERT for all their events (one feed entry per ticket, as
    ever: they are one transaction's). Only the fields of TOGETHER.

    A ticket whose changes are refused is neither changed nor written: its id is returned and its instance marked
    stale (the next `lock` re-reads it), for the caller to apply them another way (`update_ticket`, one field at
    a time). Asking only for what a ticket already has writes nothing for it."""
    if not isinstance(actor, Automation):
        raise ServiceError("Only automations change tickets together; a person's change goes through update_ticket.")
    tiers = list_tiers() if any("escalation_level" in wanted for _, wanted in changes) else None
    refused: set[int] = set()
    edited: list[tuple[Ticket, set[str]]] = []
    events = []
    for ticket, wanted in changes:
        unknown = [name for name in wanted if name not in TOGETHER]
        if unknown or not held_instance(ticket):
            raise ValueError(f"update_tickets changes {TOGETHER} of held tickets only, not {unknown} of #{ticket.pk}")
        try:
            _check_values(wanted, tiers)
            edits = _edits(ticket, wanted, actor, reasons.get(ticket.pk, ""))
        except ServiceError:
            ticket._lock_stale = True  # perhaps changed in memory before the refusal
            refused.add(ticket.pk)
            continue
        if edits:
            ticket.updated_at = clock.now()
            edited.append((ticket, {name for edit in edits for name in edit.fields}))
            events += [event for edit in edits for event in edit.events]
    save_together(edited)
    record_events(events)
    return refused


def tag_tickets(*, tags: list[tuple[Ticket, list[str]]], actor: Automation, reasons: dict[int, str]) -> set[int]:
    """`update_ticket(changes={"add_tags": names})` for many tickets an automation holds locked: the same tags
    created on first use, the same ticket tags and "tagged" events (one per added tag, in name order), written with
    one INSERT each for all the tickets and one UPDATE of the tagged tickets. A ticket asked for no usable name is
    refused as update_ticket refuses it: its id is returned, nothing written for it."""
    if not isinstance(actor, Automation):
        raise ServiceError("Only automations tag tickets together; a person's change goes through update_ticket.")
    wanted, refused = [], set()
    for ticket, names in tags:
        if not held_instance(ticket):
            raise ValueError(f"tag_tickets tags held tickets only, not #{ticket.pk}")
        try:
            _check_values({"add_tags": names})
        except ServiceError:
            refused.add(ticket.pk)
            continue
        wanted.append((ticket, _names(names)))
    if not wanted:
        return refused
    rows, events = tags_together(wanted, actor=actor, reasons=reasons)
    TicketTag.objects.bulk_create(rows)
    record_events(events)
    tagged = {row.ticket_id for row in rows}
    now = clock.now()
    for ticket, _ in wanted:
        if ticket.pk in tagged:
            ticket.updated_at = now
    save_together([(ticket, set()) for ticket, _ in wanted if ticket.pk in tagged])
    return refused


def _edits(ticket: Ticket, wanted: dict, actor: Automation, reason: str) -> list[Edit]:
    """The per-field services' edits, in update_ticket's order, made on the instance (nothing written)."""
    edits = []
    if "priority" in wanted:
        edits.append(priority_edit(ticket, priority=wanted["priority"], actor=actor, reason=reason))
    if "queue" in wanted:
        edits.append(queue_edit(ticket, queue=wanted["queue"], actor=actor, reason=reason))
    if "category" in wanted or "subcategory" in wanted:
        category, subcategory = _category_target(ticket, wanted)
        check_category(category, subcategory)
        edits.append(category_edit(ticket, category=category, subcategory=subcategory, actor=actor, reason=reason))
    if "escalation_level" in wanted:
        edits.append(escalation_edit(ticket, level=wanted["escalation_level"], actor=actor, reason=reason))
    return [edit for edit in edits if edit is not None]


def save_together(edited: list[tuple[Ticket, set[str]]]) -> None:
    """`save` for many tickets: their edited columns and updated_at, one statement (PostgreSQL: UPDATE ... FROM
    VALUES; elsewhere Django's bulk_update). A column one ticket did not edit is written with the value its locked
    row already has. Inside tickets.services.later.writing_later the tickets are kept for the batch's end."""
    if not edited:
        return
    kept = keeping()
    if kept is not None:
        kept.add_tickets(edited)  # written with the batch's other steps (tickets.services.later)
        return
    names = [*sorted({name for _, fields in edited for name in fields}), "updated_at"]
    tickets = [ticket for ticket, _ in edited]
    connection = connections[scope_alias()]
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_update(tickets, names)
        return
    columns = [Ticket._meta.get_field(name) for name in names]
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params = [
        value
        for ticket in tickets
        for value in (
            ticket.pk,
            *(column.get_db_prep_save(getattr(ticket, column.attname), connection) for column in columns),
        )
    ]
    sets = ", ".join(f'"{c.column}" = v."{c.column}"::{c.db_type(connection)}' for c in columns)
    aliases = ", ".join(f'"{c.column}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Ticket._meta.db_table}" AS t SET {sets} '  # noqa: S608 - our table and column names
            f"FROM (VALUES {', '.join([row] * len(tickets))}) AS v(id, {aliases}) "
            "WHERE t.tenant_id = %s AND t.id = v.id::bigint",
            [*params, tickets[0].tenant_id],
        )
        if cursor.rowcount != len(tickets):
            raise RuntimeError(f"update_tickets wrote {cursor.rowcount} of {len(tickets)} locked tickets")
