"""Canned responses: reusable replies, shared by the tenant (managed by supervisors and admins) or personal.

Placeholders are a fixed whitelist filled in by plain string replacement in one pass, never by the template
language: whatever a contact typed as their name (markup, `{{ settings.SECRET_KEY }}`) comes out as inert text,
and the services sanitise the reply when it is written.

Shared responses are the tenant's configuration, which supervisors manage too: creating, changing, sharing,
unsharing or deleting one writes an audit row ("tickets.canned"). A personal response is the agent's own
notebook, not configuration, and writes none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import transaction

from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, CrossTenantError, Membership
from tenancy.roles import Role
from tickets import clock
from tickets.lifecycle import Status, allowed_targets
from tickets.models import CannedResponse, Ticket
from tickets.services.events import ServiceError, require_staff

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")


def _first_word(name: str) -> str:
    return name.split()[0] if name.split() else ""


PLACEHOLDERS: dict[str, Callable[[Ticket, Membership], str]] = {
    "contact.first_name": lambda t, a: _first_word(t.contact.name) or t.contact.display_name,
    "contact.name": lambda t, a: t.contact.display_name,
    "ticket.number": lambda t, a: t.reference,
    "ticket.subject": lambda t, a: t.subject,
    "agent.name": lambda t, a: a.display_name,
    "agent.first_name": lambda t, a: _first_word(a.display_name),
}
# What a response may do to the ticket when it is sent (through the status select of the composer).
SETTABLE_STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED)
MAX_BODY = 20_000
AREA = "tickets.canned"
AUDITED_FIELDS = ("title", "folder", "body", "set_status")


def unknown_placeholders(body: str) -> list[str]:
    return sorted({match.group(1) for match in PLACEHOLDER.finditer(body) if match.group(1) not in PLACEHOLDERS})


def render_canned_response(*, response: CannedResponse, ticket: Ticket, agent: Membership) -> str:
    """Fill in the whitelisted placeholders for this ticket and agent; unknown ones stay as typed.

    Plain text: the caller puts it into the composer's textarea, and the reply service sanitises it on write.
    """
    _check_tenant(response, ticket, agent)
    if not may_use(response, agent):
        raise ServiceError("This canned response is not yours to use.")

    def fill(match: re.Match) -> str:
        value = PLACEHOLDERS.get(match.group(1))
        return value(ticket, agent) if value is not None else match.group(0)

    # re.sub does not rescan what it inserted, so a value that looks like a placeholder stays as it is.
    return PLACEHOLDER.sub(fill, response.body)


def status_for(*, response: CannedResponse, ticket: Ticket) -> str:
    """The status the response sets when sent, if the ticket may move there now (else "": keep the status)."""
    target = response.set_status
    return target if target and target in allowed_targets(ticket.status) else ""


def may_use(response: CannedResponse, member: Membership) -> bool:
    return response.owner_id is None or response.owner_id == member.pk


def may_manage(response: CannedResponse, member: Membership) -> bool:
    """Shared responses are the supervisors' and admins'; personal ones only their owner's."""
    if response.owner_id is None:
        return member.has_role(Role.SUPERVISOR)
    return response.owner_id == member.pk


@settings_service(AREA)
def create_canned_response(
    *,
    actor: Membership,
    title: str,
    body: str,
    folder: str = "",
    shared: bool = False,
    set_status: str = "",
) -> CannedResponse:
    """Create a personal response, or a shared one (supervisors and admins only)."""
    require_staff(actor)
    if shared and not actor.has_role(Role.SUPERVISOR):
        raise ServiceError("Only supervisors and admins can create shared canned responses.")
    title, folder, body = _validate(title=title, folder=folder, body=body, set_status=set_status)
    now = clock.now()
    with transaction.atomic():
        response = CannedResponse.objects.create(
            title=title,
            folder=folder,
            body=body,
            set_status=set_status,
            owner=None if shared else actor,
            created_at=now,
            updated_at=now,
        )
        _audit(actor, ConfigChange.Action.CREATED, response, before=None)
    return response


@settings_service(AREA)
def update_canned_response(
    *,
    response: CannedResponse,
    actor: Membership,
    title: str,
    body: str,
    folder: str = "",
    shared: bool | None = None,
    set_status: str = "",
) -> CannedResponse:
    """Change a response its actor may manage; `shared` moves it between personal and shared (supervisors+)."""
    _check_manage(response, actor)
    title, folder, body = _validate(title=title, folder=folder, body=body, set_status=set_status)
    before = _snapshot(response)
    if shared is not None and shared != (response.owner_id is None):
        if not actor.has_role(Role.SUPERVISOR):
            raise ServiceError("Only supervisors and admins can share canned responses.")
        response.owner = None if shared else actor
    response.title, response.folder, response.body, response.set_status = title, folder, body, set_status
    response.updated_at = clock.now()
    with transaction.atomic():
        response.save(update_fields=["title", "folder", "body", "set_status", "owner", "updated_at"])
        _audit(actor, ConfigChange.Action.UPDATED, response, before=before)
    return response


@settings_service(AREA)
def delete_canned_response(*, response: CannedResponse, actor: Membership) -> None:
    _check_manage(response, actor)
    with transaction.atomic():
        response_id, before = response.pk, _snapshot(response)
        response.delete()
        if before["shared"]:
            record_config_change(
                actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=response, target_id=response_id,
                before=before,
            )  # fmt: skip


def _snapshot(response: CannedResponse) -> dict:
    return {**snapshot(response, AUDITED_FIELDS), "shared": response.owner_id is None}


def _audit(actor: Membership, action: str, response: CannedResponse, *, before: dict | None) -> None:
    """Record a change to a response that is shared before or after it (moving one between personal and
    shared is a change to the shared set); a personal response's changes are not configuration."""
    after = _snapshot(response)
    if not after["shared"] and not (before or {}).get("shared"):
        return
    record_config_change(actor=actor, area=AREA, action=action, target=response, before=before, after=after)


def _check_tenant(*objects) -> None:
    if len({obj.tenant_id for obj in objects}) > 1:
        raise CrossTenantError("These records belong to different organisations.")


def _check_manage(response: CannedResponse, actor: Membership) -> None:
    require_staff(actor)
    _check_tenant(response, actor)
    if not may_manage(response, actor):
        if response.owner_id is None:
            raise ServiceError("Only supervisors and admins can change shared canned responses.")
        raise ServiceError("This canned response belongs to someone else.")


def _validate(*, title: str, folder: str, body: str, set_status: str) -> tuple[str, str, str]:
    title, folder = title.strip(), folder.strip()
    if not title:
        raise ServiceError("Give the response a title.")
    if len(title) > 120 or len(folder) > 60:
        raise ServiceError("Keep the title under 120 characters and the folder under 60.")
    if not body.strip():
        raise ServiceError("Write the text of the response.")
    if len(body) > MAX_BODY:
        raise ServiceError(f"Keep the response under {MAX_BODY:,} characters.")
    unknown = unknown_placeholders(body)
    if unknown:
        known = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
        raise ServiceError(
            f"Unknown placeholder {', '.join(f'{{{{ {name} }}}}' for name in unknown)}. You can use: {known}."
        )
    if set_status and set_status not in SETTABLE_STATUSES:
        raise ServiceError("Choose a status a reply can set: open, pending, on hold or resolved.")
    return title, folder, body
