"""Custom-field values on a ticket: set through `update_ticket` (changes={"custom_fields": {key: value}}) and at
creation; checked by tickets.custom_fields.validation; each change audited as a `custom_field_changed` event with
the field's key and codes, which the change feed and webhooks carry. Also the "required at resolution" check
that every path resolving a ticket goes through (tickets.services.workflow and conversation)."""

from __future__ import annotations

from collections.abc import Mapping

from tickets.custom_fields.definitions import FieldDef, Type, active_fields, fields_by_key
from tickets.custom_fields.validation import (
    ResolutionBlocked,
    clean_values,
    merged,
    missing_at_resolution,
)
from tickets.lifecycle import Status, is_open
from tickets.models import Contact, Ticket, TicketEvent
from tickets.services.common import locked, save
from tickets.services.events import Actor, Automation, record_event, require_desk_actor

TEXT_MARK = "(text)"  # what the trail keeps of a text value: that there was one, never the words


def clean_for(actor: Actor, raw: Mapping[str, object]) -> dict[str, object | None]:
    """Clean raw values for this actor: a customer sets only the fields the portal shows."""
    return clean_values_for(raw, customer=isinstance(actor, Contact))


def clean_values_for(raw: Mapping[str, object], *, customer: bool) -> dict[str, object | None]:
    """clean_for, for a customer or not (the portal checks before the submitter's contact exists)."""
    fields = fields_by_key()
    writable = [f.key for f in fields.values() if f.visible_in_portal] if customer else None
    return clean_values(raw, fields=fields, writable=writable)


def changed_keys(ticket: Ticket, cleaned: Mapping[str, object | None]) -> list[str]:
    current = ticket.custom_fields or {}
    return [key for key, value in cleaned.items() if current.get(key) != value]


def set_custom_fields(*, ticket: Ticket, values: Mapping[str, object], actor: Actor, reason: str = "") -> Ticket:
    """Set (None: clear) custom-field values; values already as asked are skipped, nothing to do is a no-op."""
    require_desk_actor(actor)
    cleaned = clean_for(actor, values)
    with locked(ticket) as ticket:
        keys = changed_keys(ticket, cleaned)
        if not keys:
            return ticket
        old = dict(ticket.custom_fields or {})
        ticket.custom_fields = merged(old, {key: cleaned[key] for key in keys})
        save(ticket, "custom_fields")
        record_value_events(ticket, old=old, new=ticket.custom_fields, keys=keys, actor=actor, reason=reason)
    return ticket


def record_value_events(
    ticket: Ticket, *, old: Mapping, new: Mapping, keys, actor: Actor, reason: str = "", at=None
) -> None:
    """One event per changed field (a multi-choice: one per code added or removed), with codes, never text."""
    fields = fields_by_key()
    for key in keys:
        field = fields[key]
        before, after = old.get(key), new.get(key)
        if field.type == Type.MULTI_CHOICE:
            was, now = set(before or ()), set(after or ())
            for code in [c for c in field.codes if c in now - was]:
                _event(ticket, key, "", code, actor, reason, at)
            for code in [c for c in field.codes if c in was - now]:
                _event(ticket, key, code, "", actor, reason, at)
            continue
        _event(ticket, key, _code(field, before), _code(field, after), actor, reason, at)


def _code(field: FieldDef, value: object) -> str:
    if value is None:
        return ""
    if field.type in (Type.TEXT, Type.LONG_TEXT):
        return TEXT_MARK
    if field.type == Type.CHECKBOX:
        return "true" if value is True else ""
    return str(value)


def _event(ticket, key, old, new, actor, reason, at) -> None:
    record_event(ticket, actor=actor, kind="custom_field_changed", field=key, old=old, new=new, reason=reason, at=at)


# --- Required at resolution ----------------------------------------------------------------------------------------


def resolves(old_status: str, new_status: str) -> bool:
    """Whether a move finishes the work: to resolved, or straight to closed from an open status (merges and
    spam are not resolutions and never ask for fields)."""
    return new_status == Status.RESOLVED or (new_status == Status.CLOSED and is_open(old_status))


def missing_for_resolution(ticket: Ticket) -> list[FieldDef]:
    return missing_at_resolution(active_fields(), ticket.custom_fields or {}, category_id=ticket.category_id)


def check_resolvable(ticket: Ticket, new_status: str) -> None:
    """Refuse a resolution while fields required at resolution are empty (ResolutionBlocked names them)."""
    if resolves(ticket.status, new_status):
        missing = missing_for_resolution(ticket)
        if missing:
            raise ResolutionBlocked(missing)


def blocks_automation(ticket: Ticket, new_status: str, actor: Actor) -> bool:
    """For a routing or SLA automation (no member behind it): if the resolution is blocked, record why on the
    ticket (once until something else happens) and tell the caller to leave the status alone; the run goes on
    instead of failing. People and API keys get ResolutionBlocked instead, from check_resolvable."""
    if not isinstance(actor, Automation) or actor.acting_for is not None or not resolves(ticket.status, new_status):
        return False
    missing = missing_for_resolution(ticket)
    if not missing:
        return False
    keys = ",".join(field.key for field in missing)[:100]
    latest = TicketEvent.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    repeated = latest is not None and latest.kind == "resolution_blocked" and latest.new_value == keys
    if not repeated:
        record_event(
            ticket,
            actor=actor,
            kind="resolution_blocked",
            field="custom_fields",
            new=keys,
            reason="required at resolution",
        )
    return True
