"""Settings → Tags (admins): rename, merge two tags into one, delete. Tickets carry tags by id, so a rename
shows on every ticket and in its history; saved views filter by a tag's name, so renaming or merging away a
tag a saved view names is refused, naming the view."""

from __future__ import annotations

from django.db.models.functions import Lower

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.usage import refuse_if_used
from tickets.models import Tag, TicketTag
from tickets.services.tags import normalise_tag

AREA = "tickets.tags"
REFUSAL = "Only tenant admins can change the tags."


@settings_service(AREA)
def rename_tag(*, actor: Membership, tag: Tag, name: str) -> Tag:
    require_admin_or_automation(actor, REFUSAL)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    name = normalise_tag(name or "")
    if not name:
        raise ServiceError("Give the tag a name.")
    if name == tag.name:
        return tag
    clash = Tag.objects.annotate(lname=Lower("name")).filter(lname=name).exclude(pk=tag.pk).first()
    if clash is not None:
        raise ServiceError(f"There is already a tag “{clash.name}”: merge the two instead.")
    refuse_if_used(tag)
    before = snapshot(tag, ["name"])
    tag.name = name
    tag.save(update_fields=["name"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=tag, before=before,
        after=snapshot(tag, ["name"]),
    )  # fmt: skip
    return tag


@settings_service(AREA)
def merge_tags(*, actor: Membership, source: Tag, target: Tag) -> Tag:
    """Give every ticket tagged `source` the tag `target` instead (a ticket that had both keeps one) and delete
    `source`. One audit row."""
    require_admin_or_automation(actor, REFUSAL)
    ensure_same_tenant(source, target)
    source = Tag.objects.select_for_update().get(pk=source.pk)
    target = Tag.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ServiceError("Choose another tag to merge into.")
    refuse_if_used(source)
    both = TicketTag.objects.filter(tag=target).values("ticket_id")
    duplicates, _ = TicketTag.objects.filter(tag=source, ticket_id__in=both).delete()
    moved = TicketTag.objects.filter(tag=source).update(tag=target)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.MERGED,
        target=source,
        before={"merged_into": None},
        after={"merged_into": target.pk, "merged_into_name": target.name, "tickets": moved + duplicates},
    )
    source.delete()
    return target


@settings_service(AREA)
def delete_tag(*, actor: Membership, tag: Tag) -> int:
    """Delete a tag and take it off every ticket (their history keeps that it was there); a tag a saved view
    names is refused. Returns how many tickets carried it."""
    require_admin_or_automation(actor, REFUSAL)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    refuse_if_used(tag)
    carried = TicketTag.objects.filter(tag=tag).count()
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=tag, before={"name": tag.name},
        after={"name": None, "tickets": carried},
    )  # fmt: skip
    tag.delete()
    return carried
