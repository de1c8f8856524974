"""Settings → Queues (admins): name, team, assignment strategy, default priority, and the tenant's default
queue (exactly one: new tickets land in it until routing moves them). A queue with tickets is merged into
another, never deleted from under them."""

from __future__ import annotations

from django.db.models.functions import Lower

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.usage import refuse_if_used
from tickets.models import Priority, Queue, Team, Ticket

AREA = "tickets.queues"
FIELDS = ("name", "team", "assignment_strategy", "default_priority", "is_default")
REFUSAL = "Only tenant admins can change the queues."
MAX_NAME = 100


def _clean(name: str, strategy: str, default_priority: int, exclude: Queue | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the queue a name.")
    if len(name) > MAX_NAME:
        raise ServiceError(f"Keep the name under {MAX_NAME} characters.")
    clash = Queue.objects.annotate(lname=Lower("name")).filter(lname=name.lower())
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ServiceError(f"There is already a queue “{name}”.")
    if strategy not in Queue.Strategy.values:
        raise ServiceError(f"Unknown assignment strategy “{strategy}”.")
    if default_priority not in Priority.values:
        raise ServiceError(f"Unknown priority “{default_priority}”.")
    return name


def _take_default(queue: Queue) -> None:
    # The one-default constraint is checked per statement: clear the old default before setting the new one.
    Queue.objects.filter(is_default=True).exclude(pk=queue.pk).update(is_default=False)


@settings_service(AREA)
def create_queue(
    *,
    actor: Membership,
    name: str,
    team: Team | None = None,
    assignment_strategy: str = Queue.Strategy.MANUAL,
    default_priority: int = Priority.NORMAL,
    is_default: bool = False,
) -> Queue:
    require_admin_or_automation(actor, REFUSAL)
    ensure_same_tenant(actor if isinstance(actor, Membership) else None, team)
    name = _clean(name, assignment_strategy, default_priority)
    # The first queue is the default whatever was asked: a tenant always has one.
    is_default = is_default or not Queue.objects.filter(is_default=True).exists()
    queue = Queue(name=name, team=team, assignment_strategy=assignment_strategy, default_priority=default_priority)
    queue.save()
    if is_default:
        _take_default(queue)
        queue.is_default = True
        queue.save(update_fields=["is_default"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=queue, after=snapshot(queue, FIELDS)
    )
    return queue


@settings_service(AREA)
def update_queue(
    *,
    actor: Membership,
    queue: Queue,
    name: str,
    team: Team | None,
    assignment_strategy: str,
    default_priority: int,
    is_default: bool,
) -> Queue:
    """Change a queue. Making it the default takes that from the old default (one audit row, on this queue);
    the default itself cannot be unmarked: make another queue the default instead."""
    require_admin_or_automation(actor, REFUSAL)
    queue = Queue.objects.select_for_update().get(pk=queue.pk)
    ensure_same_tenant(queue, team)
    before = snapshot(queue, FIELDS)
    name = _clean(name, assignment_strategy, default_priority, exclude=queue)
    if queue.is_default and not is_default:
        raise ServiceError("A help desk always has a default queue: make another queue the default instead.")
    if is_default and not queue.is_default:
        _take_default(queue)
    queue.name, queue.team, queue.assignment_strategy = name, team, assignment_strategy
    queue.default_priority, queue.is_default = default_priority, is_default
    queue.save(update_fields=["name", "team", "assignment_strategy", "default_priority", "is_default"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=queue,
        before=before,
        after=snapshot(queue, FIELDS),
    )
    return queue


@settings_service(AREA)
def delete_queue(*, actor: Membership, queue: Queue) -> None:
    """Delete an empty queue nothing uses; the default, a queue with tickets, or one a support address or saved
    view names is refused, saying what to do instead."""
    require_admin_or_automation(actor, REFUSAL)
    queue = Queue.objects.select_for_update().get(pk=queue.pk)
    if queue.is_default:
        raise ServiceError(f"“{queue.name}” is the default queue: make another queue the default first.")
    count = Ticket.objects.filter(queue=queue).count()
    if count:
        raise ServiceError(
            f"{count} ticket{'s are' if count != 1 else ' is'} in “{queue.name}”: merge it into another queue, "
            "which moves them."
        )
    refuse_if_used(queue)
    before = snapshot(queue, FIELDS)
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=queue, before=before,
        after=dict.fromkeys(before),
    )  # fmt: skip
    queue.delete()


@settings_service(AREA)
def merge_queue(*, actor: Membership, source: Queue, target: Queue) -> Queue:
    """Move every ticket of `source` into `target` (their team becomes the target's) and delete `source`; the
    target becomes the default if the source was. One audit row for the move."""
    require_admin_or_automation(actor, REFUSAL)
    ensure_same_tenant(source, target)
    source = Queue.objects.select_for_update().get(pk=source.pk)
    target = Queue.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ServiceError("Choose another queue to merge into.")
    refuse_if_used(source)
    moved = Ticket.objects.filter(queue=source).update(queue=target, team_id=target.team_id)
    if source.is_default:
        source.is_default = False
        source.save(update_fields=["is_default"])
        target.is_default = True
        target.save(update_fields=["is_default"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.MERGED,
        target=source,
        before={"merged_into": None, "tickets": moved},
        after={"merged_into": target.pk, "merged_into_name": target.name, "tickets": moved},
    )
    source.delete()
    return target
