"""Settings → Custom fields (admins): define, change, archive, restore and delete a tenant's ticket fields.

The key is chosen once and never changes (values, the audit trail, saved views, the API and webhooks name the
field by it); the label, help text and choice labels may change at any time, and history reads the new names.
A choice code in use cannot be removed, a type cannot change once a ticket has a value, and a field with values
cannot be deleted: archive it instead (values kept, shown read-only, still filterable)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify

from tenancy.actors import Automation, require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership, ensure_same_tenant
from tickets.custom_fields import queries
from tickets.custom_fields.definitions import CHOICE_TYPES, SORTABLE_TYPES, forget
from tickets.custom_fields.validation import CODE_PATTERN, KEY_PATTERN
from tickets.models import Category, CustomField, CustomFieldCategory, SavedView, Ticket
from tickets.services.events import ServiceError

AREA = "tickets.custom_fields"
AUDITED = (
    "key", "label", "help_text", "type", "choices", "position", "visible_in_portal", "required_at_creation",
    "required_at_resolution", "archived_at",
)  # fmt: skip
MAX_FIELDS = 100
MAX_CHOICES = 200
MAX_CHOICE_LABEL = 100
REFUSAL = "Only admins can change custom fields."
# Names a key may not take: the ticket's own fields and the queue filters' parameters, so a key never reads as
# one of them in the audit trail, the API or a saved view's query.
RESERVED_KEYS = frozenset(
    {field.name for field in Ticket._meta.get_fields()}
    | {"tags", "add_tags", "remove_tags", "q", "sort", "page", "saved", "tag", "created", "updated", "reason",
       "reference", "url", "body", "channel", "contact_email", "contact_name", "contact_phone", "custom_fields"}
)  # fmt: skip

Actor = Membership | Automation


def _audit(field: CustomField) -> dict:
    values = snapshot(field, AUDITED)
    values["categories"] = sorted(field.categories.values_list("pk", flat=True)) if field.pk else []
    return values


@settings_service(AREA)
def create_custom_field(
    *,
    actor: Actor,
    key: str,
    label: str,
    type: str,
    help_text: str = "",
    choices: list | tuple = (),
    position: int | None = None,
    visible_in_portal: bool = False,
    categories: list[Category] | tuple[Category, ...] = (),
    required_at_creation: bool = False,
    required_at_resolution: bool = False,
) -> CustomField:
    require_admin_or_automation(actor, REFUSAL)
    key = (key or "").strip()
    if not KEY_PATTERN.fullmatch(key):
        raise ServiceError(
            "The key is 1 to 40 lower-case letters, digits and underscores, starting with a letter "
            "(e.g. product or order_number)."
        )
    if key in RESERVED_KEYS:
        raise ServiceError(f"“{key}” is a name the ticket already uses; choose another key.")
    if CustomField.objects.filter(key=key).exists():
        raise ServiceError(f"There is already a field with the key “{key}” (keys are never reused, archived or not).")
    if CustomField.objects.count() >= MAX_FIELDS:
        raise ServiceError(f"A help desk has at most {MAX_FIELDS} custom fields.")
    if type not in CustomField.Type.values:
        raise ServiceError(f"Unknown field type “{type}”.")
    if position is None:
        position = (CustomField.objects.aggregate(top=Max("position"))["top"] or 0) + 1
    field = CustomField(
        key=key,
        label=_label(label),
        help_text=_help(help_text),
        type=type,
        choices=_choices(type, choices, previous=[]),
        position=_position(position),
        visible_in_portal=bool(visible_in_portal),
        required_at_creation=bool(required_at_creation),
        required_at_resolution=bool(required_at_resolution),
    )
    field.save()
    _set_categories(field, categories)
    record_config_change(actor=actor, area=AREA, action=ConfigChange.Action.CREATED, target=field, after=_audit(field))
    forget(field.tenant_id)
    return field


@settings_service(AREA)
def update_custom_field(
    *,
    actor: Actor,
    field: CustomField,
    label: str,
    type: str,
    help_text: str = "",
    choices: list | tuple = (),
    position: int = 0,
    visible_in_portal: bool = False,
    categories: list[Category] | tuple[Category, ...] = (),
    required_at_creation: bool = False,
    required_at_resolution: bool = False,
) -> CustomField:
    """Change everything but the key. Refused: a new type once a ticket has a value, and dropping a choice code
    a ticket uses (rename its label instead)."""
    require_admin_or_automation(actor, REFUSAL)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    before = _audit(field)
    if type not in CustomField.Type.values:
        raise ServiceError(f"Unknown field type “{type}”.")
    if type != field.type and queries.has_values(field.key):
        raise ServiceError(
            f"“{field.label}” has values on tickets, so its type stays {field.get_type_display().lower()}. "
            "Add a new field instead."
        )
    new_choices = _choices(type, choices, previous=field.choices if type == field.type else [])
    if field.type in CHOICE_TYPES and type == field.type:
        dropped = {c["code"] for c in field.choices} - {c["code"] for c in new_choices}
        used = [code for code in sorted(dropped) if queries.has_code(field.key, code, multi=type != "choice")]
        if used:
            raise ServiceError(
                f"Tickets use the choice code(s) {', '.join(used)} of “{field.label}”: keep them (you may rename "
                "their labels)."
            )
    field.label = _label(label)
    field.help_text = _help(help_text)
    field.type = type
    field.choices = new_choices
    field.position = _position(position)
    field.visible_in_portal = bool(visible_in_portal)
    field.required_at_creation = bool(required_at_creation)
    field.required_at_resolution = bool(required_at_resolution)
    field.save()
    _set_categories(field, categories)
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=field, before=before, after=_audit(field)
    )
    forget(field.tenant_id)
    return field


@settings_service(AREA)
def archive_custom_field(*, actor: Actor, field: CustomField) -> CustomField:
    """Stop asking for the field; its values stay on the tickets, read-only, and the filters still offer it."""
    require_admin_or_automation(actor, REFUSAL)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.archived_at is not None:
        raise ServiceError(f"“{field.label}” is already archived.")
    before = _audit(field)
    field.archived_at = timezone.now()
    field.save(update_fields=["archived_at"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.ARCHIVED, target=field, before=before, after=_audit(field)
    )
    forget(field.tenant_id)
    if field.sort_indexed:
        request_sort_index_sync()  # an archived field's sort index is dropped
    return field


@settings_service(AREA)
def restore_custom_field(*, actor: Actor, field: CustomField) -> CustomField:
    require_admin_or_automation(actor, REFUSAL)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.archived_at is None:
        raise ServiceError(f"“{field.label}” is not archived.")
    before = _audit(field)
    field.archived_at = None
    field.save(update_fields=["archived_at"])
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.UPDATED, target=field, before=before, after=_audit(field)
    )
    forget(field.tenant_id)
    return field


@settings_service(AREA)
def delete_custom_field(*, actor: Actor, field: CustomField) -> None:
    """Delete a field nothing uses; a field with values (or named by a saved view) is refused: archive it."""
    require_admin_or_automation(actor, REFUSAL)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    uses = custom_field_uses(field)
    if uses:
        raise ServiceError(
            f"“{field.label}” is in use ({', '.join(uses[:5])}): archive it instead, which keeps the values and "
            "stops asking for it."
        )
    before = _audit(field)
    tenant_id = field.tenant_id
    target_id, label = field.pk, str(field)
    CustomFieldCategory.objects.filter(field=field).delete()
    indexed = field.sort_indexed
    field.delete()
    if indexed:
        request_sort_index_sync()  # a deleted field's sort index is dropped
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.DELETED,
        target_type="tickets.customfield",
        target_id=target_id,
        label=label,
        before={**before, "deleted": False},
        after={"deleted": True},
    )
    forget(tenant_id)


SORT_AUDITED = ("sort_indexed",)


@settings_service(AREA)
def set_custom_field_sort_index(*, actor: Actor, field: CustomField, indexed: bool) -> CustomField:
    """Ask for the index that sorts the queue by this field fast at a million tickets, or give it up. The owner
    role builds or drops it (tickets.custom_fields.sort_indexes); the field's sort_index_state says how far it
    got, and the queue uses it only once it is ready."""
    require_admin_or_automation(actor, REFUSAL)
    if connection.vendor != "postgresql":
        raise ServiceError("Sort indexes are PostgreSQL indexes; this installation sorts without them.")
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if indexed and field.type not in SORTABLE_TYPES:
        raise ServiceError(f"The queue does not sort by a {field.get_type_display().lower()} field.")
    if indexed and field.archived_at is not None:
        raise ServiceError(f"“{field.label}” is archived: restore it before indexing it for sorting.")
    if field.sort_indexed == indexed:
        raise ServiceError(f"“{field.label}” is {'already' if indexed else 'not'} indexed for sorting.")
    before = snapshot(field, SORT_AUDITED)
    field.sort_indexed = indexed
    field.sort_index_state = CustomField.SortIndex.PENDING if indexed else CustomField.SortIndex.NONE
    field.sort_index_note = ""
    field.save(update_fields=["sort_indexed", "sort_index_state", "sort_index_note"])
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=field,
        before=before,
        after=snapshot(field, SORT_AUDITED),
    )
    forget(field.tenant_id)
    request_sort_index_sync()
    return field


def request_sort_index_sync() -> None:
    """After commit, have the worker build or drop sort indexes, if the operator allowed it to. The pending
    state on the field is the written-down request: `manage.py sync_sort_indexes` finds it either way."""
    if connection.vendor != "postgresql" or not settings.SORT_INDEX_DATABASE_URL:
        return

    def enqueue() -> None:
        from tickets.tasks import sync_sort_indexes_task

        sync_sort_indexes_task.delay()

    transaction.on_commit(enqueue)


def custom_field_uses(field: CustomField) -> list[str]:
    """What keeps a field from being deleted: tickets with a value, saved views filtering on it."""
    uses = []
    if queries.has_values(field.key):
        uses.append("tickets have values")
    name = f"cf_{field.key}"
    for view in SavedView.objects.only("name", "query"):
        params = QueryDict(view.query)
        if any(param == name or param.startswith(f"{name}_") for param in params):
            uses.append(f'saved view "{view.name}"')
    return uses


# --- Checks --------------------------------------------------------------------------------------------------------


def _label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ServiceError("Give the field a label.")
    if len(label) > 100:
        raise ServiceError("Keep the label under 100 characters.")
    return label


def _help(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > 300:
        raise ServiceError("Keep the help text under 300 characters.")
    return text


def _position(position: object) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 32767:
        raise ServiceError("The position is a whole number from 0 to 32767.")
    return position


def _choices(type: str, choices, *, previous: list) -> list[dict]:
    """[{"code", "label"}]: codes checked (or made from the label for a new choice), labels cleaned; a choice
    field needs at least one; other types have none."""
    if type not in CHOICE_TYPES:
        return []
    if isinstance(choices, str) or not isinstance(choices, list | tuple):
        raise ServiceError("Give the choices as a list.")
    if len(choices) > MAX_CHOICES:
        raise ServiceError(f"At most {MAX_CHOICES} choices.")
    taken = {str(c["code"]) for c in previous}
    result, seen = [], set()
    for item in choices:
        code, label = (item.get("code"), item.get("label")) if isinstance(item, dict) else item
        label = " ".join(str(label or "").split())
        if not label:
            raise ServiceError("Every choice needs a label.")
        if len(label) > MAX_CHOICE_LABEL:
            raise ServiceError(f"Keep choice labels under {MAX_CHOICE_LABEL} characters.")
        code = str(code or "").strip()
        if not code:
            code = _new_code(label, seen | taken)
        if not CODE_PATTERN.fullmatch(code):
            raise ServiceError(
                f"“{code[:40]}” is not a valid code: lower-case letters, digits, _ and -, at most 40 characters."
            )
        if code in seen:
            raise ServiceError(f"The code “{code}” is given twice.")
        seen.add(code)
        result.append({"code": code, "label": label})
    if not result:
        raise ServiceError("A choice field needs at least one choice.")
    return result


def _new_code(label: str, taken: set[str]) -> str:
    base = slugify(label).replace("-", "_")[:36] or "choice"
    if not base[0].isalnum():
        base = f"c{base}"[:36]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _set_categories(field: CustomField, categories) -> None:
    wanted = {category.pk: category for category in categories or ()}
    for category in wanted.values():
        if not isinstance(category, Category):
            raise ServiceError("Choose categories from the list.")
        ensure_same_tenant(field, category)
        if category.parent_id is not None:
            raise ServiceError("Restrict a field to top-level categories (their subcategories follow).")
    current = set(CustomFieldCategory.objects.filter(field=field).values_list("category_id", flat=True))
    CustomFieldCategory.objects.filter(field=field).exclude(category_id__in=list(wanted)).delete()
    for pk in set(wanted) - current:
        CustomFieldCategory.objects.create(field=field, category=wanted[pk])
