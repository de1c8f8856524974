"""Settings → Categories (admins): two levels, which are offered in the portal, their order; rename, archive,
merge and delete. Tickets store the category's id, so a rename shows in every ticket's history at once; the
configuration audit keeps the old and the new name."""

from __future__ import annotations

from django.db.models import Max, Q
from django.db.models.functions import Lower

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tenancy.usage import refuse_if_used
from tickets.models import Category, Ticket

AREA = "tickets.categories"
FIELDS = ("name", "parent", "is_public", "position", "is_active")
REFUSAL = "Only tenant admins can change the categories."
MAX_NAME = 100


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the category a name.")
    if len(name) > MAX_NAME:
        raise ServiceError(f"Keep the name under {MAX_NAME} characters.")
    return name


def _refuse_duplicate(name: str, parent: Category | None, exclude: Category | None = None) -> None:
    clash = Category.objects.annotate(lname=Lower("name")).filter(lname=name.lower(), parent=parent)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        where = f"under “{parent.name}”" if parent is not None else "at the top level"
        raise ServiceError(f"There is already a category “{name}” {where}.")


def _check_parent(parent: Category | None, category: Category | None = None) -> None:
    if parent is None:
        return
    ensure_same_tenant(parent)
    if parent.parent_id is not None:
        raise ServiceError("Categories have two levels: choose a top-level category as the parent.")
    if category is not None and (parent.pk == category.pk or category.children.exists()):
        raise ServiceError("A category with subcategories stays at the top level.")


def tickets_filed_under(category: Category) -> Q:
    return Q(category=category) | Q(subcategory=category)


@settings_service(AREA)
def create_category(
    *, actor: Membership, name: str, parent: Category | None = None, is_public: bool = True
) -> Category:
    """Add a category (or, with `parent`, a subcategory), last in its list."""
    require_admin_or_automation(actor, REFUSAL)
    name = clean_name(name)
    _check_parent(parent)
    _refuse_duplicate(name, parent)
    last = Category.objects.filter(parent=parent).aggregate(last=Max("position"))["last"]
    category = Category.objects.create(
        name=name, parent=parent, is_public=is_public, position=0 if last is None else last + 1
    )
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=category, after=snapshot(category, FIELDS)
    )
    return category


@settings_service(AREA)
def update_category(
    *, actor: Membership, category: Category, name: str, is_public: bool, position: int, parent: Category | None
) -> Category:
    """Rename a category, offer or hide it in the portal, move it in its list or under another parent."""
    require_admin_or_automation(actor, REFUSAL)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, FIELDS)
    name = clean_name(name)
    if not 0 <= position <= 32767:
        raise ServiceError("The position is a number from 0 to 32767.")
    _check_parent(parent, category)
    _refuse_duplicate(name, parent, exclude=category)
    if parent is not None and parent.pk != category.parent_id and Ticket.objects.filter(category=category).exists():
        raise ServiceError("Tickets are filed under this category: merge it into a subcategory instead of moving it.")
    if category.parent_id is not None and parent is None and Ticket.objects.filter(subcategory=category).exists():
        raise ServiceError("Tickets are filed under this subcategory: it stays under its parent.")
    category.name, category.is_public, category.position, category.parent = name, is_public, position, parent
    category.save(update_fields=["name", "is_public", "position", "parent"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=category,
        before=before,
        after=snapshot(category, FIELDS),
    )
    return category


@settings_service(AREA)
def archive_category(*, actor: Membership, category: Category, archived: bool = True) -> Category:
    """Stop (or start again) offering a category anywhere; tickets filed under it keep it. Archiving a top-level
    category hides its subcategories with it."""
    require_admin_or_automation(actor, REFUSAL)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if category.is_active == (not archived):
        return category
    category.is_active = not archived
    category.save(update_fields=["is_active"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.ARCHIVED if archived else ConfigChange.Action.UPDATED,
        target=category,
        before={"is_active": archived},
        after={"is_active": not archived},
    )
    return category


@settings_service(AREA)
def delete_category(*, actor: Membership, category: Category) -> None:
    """Delete a category nothing uses. One that tickets are filed under is archived or merged instead, so no
    ticket loses its category; one a saved view (or another app's rule) names is refused, naming it."""
    require_admin_or_automation(actor, REFUSAL)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if category.children.exists():
        raise ServiceError(f"“{category.name}” has subcategories: delete or merge them first.")
    used = Ticket.objects.filter(tickets_filed_under(category)).count()
    if used:
        raise ServiceError(
            f"{used} ticket{'s are' if used != 1 else ' is'} filed under “{category.name}”: "
            "archive it, or merge it into another category."
        )
    refuse_if_used(category)
    before = snapshot(category, FIELDS)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.DELETED,
        target=category,
        before=before,
        after=dict.fromkeys(before),
    )
    category.delete()


@settings_service(AREA)
def merge_category(*, actor: Membership, source: Category, target: Category) -> Category:
    """Move every ticket filed under `source` to `target` and delete `source`: a top-level category into
    another (its subcategories move along), or a subcategory into another subcategory (tickets take the
    target's parent as their category). One audit row; the tickets' own history keeps the old id."""
    require_admin_or_automation(actor, REFUSAL)
    ensure_same_tenant(source, target)
    source = Category.objects.select_for_update().get(pk=source.pk)
    target = Category.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ServiceError("Choose another category to merge into.")
    if (source.parent_id is None) != (target.parent_id is None):
        raise ServiceError("Merge a top-level category into a top-level one, a subcategory into a subcategory.")
    refuse_if_used(source)
    if source.parent_id is None:
        children = list(source.children.all())
        taken = {name.lower() for name in target.children.values_list("name", flat=True)}
        clashes = [child.name for child in children if child.name.lower() in taken]
        if clashes:
            raise ServiceError(
                f"“{target.name}” already has a subcategory “{clashes[0]}”: merge the two subcategories first."
            )
        moved = Ticket.objects.filter(category=source).update(category=target)
        Category.objects.filter(parent=source).update(parent=target)
    else:
        moved = Ticket.objects.filter(subcategory=source).update(subcategory=target, category_id=target.parent_id)
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
