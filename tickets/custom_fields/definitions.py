"""The tenant's field definitions as plain frozen values, read once and cached until a definition changes.

Every ticket page, queue page, portal form and API call needs them; read afresh they would be one or two
queries each. A save or delete of a definition (or of its category links) gives the tenant a new version at
once and again on commit, as tickets.picklists does; a copy lives five minutes at most."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from tenancy.context import current_tenant_id
from tenancy.tenant_lists import TenantList
from tickets.models import CustomField, CustomFieldCategory

SECONDS = 300
Type = CustomField.Type
CHOICE_TYPES = frozenset({Type.CHOICE, Type.MULTI_CHOICE})
# The types the queue filters offer (text is searched, not filtered).
FILTERABLE_TYPES = frozenset({Type.CHOICE, Type.MULTI_CHOICE, Type.CHECKBOX, Type.NUMBER, Type.DATE})
SORTABLE_TYPES = frozenset({Type.CHOICE, Type.CHECKBOX, Type.NUMBER, Type.DATE, Type.TEXT})


@dataclass(frozen=True)
class FieldDef:
    pk: int
    key: str
    label: str
    help_text: str
    type: str
    choices: tuple[tuple[str, str], ...]  # (code, label) in display order
    position: int
    visible_in_portal: bool
    category_ids: frozenset[int]
    required_at_creation: bool
    required_at_resolution: bool
    archived: bool
    sort_index_ready: bool = False  # its partial sort index is built (tickets.custom_fields.sort_indexes)

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def filterable(self) -> bool:
        return self.type in FILTERABLE_TYPES

    @property
    def sortable(self) -> bool:
        return self.type in SORTABLE_TYPES

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.choices)

    def choice_label(self, code: str) -> str:
        return dict(self.choices).get(code, code)

    def applies_to(self, category_id: int | None) -> bool:
        """Whether the field concerns a ticket of this top-level category (no restriction: every ticket)."""
        return not self.category_ids or category_id in self.category_ids

    def display(self, value: object) -> str:
        """A stored value in words, for pages and exports."""
        if value is None or value == "" or value == []:
            return ""
        if self.type == Type.CHOICE:
            return self.choice_label(str(value))
        if self.type == Type.MULTI_CHOICE:
            return ", ".join(self.choice_label(str(code)) for code in value)
        if self.type == Type.CHECKBOX:
            return "Yes" if value is True else ""
        return str(value)


def field_definitions() -> tuple[FieldDef, ...]:
    """Every field of the tenant in scope, archived ones included, by position (tenancy.tenant_lists)."""
    return DEFINITIONS.get()


def active_fields() -> tuple[FieldDef, ...]:
    return tuple(field for field in field_definitions() if not field.archived)


def fields_by_key() -> dict[str, FieldDef]:
    return {field.key: field for field in field_definitions()}


def portal_fields() -> tuple[FieldDef, ...]:
    return tuple(field for field in active_fields() if field.visible_in_portal)


def describe_keys(keys: str) -> str:
    """Comma-separated field keys (as events store them) as their labels."""
    labels = {field.key: field.label for field in _definitions_or_none()}
    return ", ".join(labels.get(key, key) for key in keys.split(",") if key) or "a required field"


def describe_change(key: str, old: str, new: str) -> str:
    """A custom_field_changed event in words: labels and choice labels as they read today."""
    field = next((f for f in _definitions_or_none() if f.key == key), None)
    label = field.label if field else key
    if field is not None and field.type == Type.MULTI_CHOICE:
        if new:
            return f"added {field.choice_label(new)} to {label}"
        return f"removed {field.choice_label(old)} from {label}"
    if field is not None and field.type in (Type.TEXT, Type.LONG_TEXT):
        return f"cleared {label}" if not new else f"filled in {label}" if not old else f"changed {label}"
    if field is not None and field.type == Type.CHECKBOX:
        return f"ticked {label}" if new else f"unticked {label}"

    def words(value: str) -> str:
        if not value:
            return "none"
        return field.choice_label(value) if field is not None and field.type == Type.CHOICE else value

    return f"changed {label}: {words(old)} → {words(new)}"


def _definitions_or_none() -> tuple[FieldDef, ...]:
    return field_definitions() if current_tenant_id() is not None else ()


def _load() -> tuple[FieldDef, ...]:
    links: dict[int, set[int]] = {}
    for field_id, category_id in CustomFieldCategory.objects.values_list("field_id", "category_id"):
        links.setdefault(field_id, set()).add(category_id)
    return tuple(
        FieldDef(
            pk=row.pk,
            key=row.key,
            label=row.label,
            help_text=row.help_text,
            type=row.type,
            choices=tuple((str(c["code"]), str(c["label"])) for c in row.choices or ()),
            position=row.position,
            visible_in_portal=row.visible_in_portal,
            category_ids=frozenset(links.get(row.pk, ())),
            required_at_creation=row.required_at_creation,
            required_at_resolution=row.required_at_resolution,
            archived=row.archived_at is not None,
            sort_index_ready=row.sort_index_state == CustomField.SortIndex.READY,
        )
        for row in CustomField.objects.order_by("position", "id")
    )


DEFINITIONS = TenantList("custom-fields", _load, seconds=SECONDS)


def forget(tenant_id: int) -> None:
    """The tenant's definitions changed: read them afresh (now, and again once the change commits)."""
    DEFINITIONS.forget(tenant_id)


def _row_changed(sender, instance, **kwargs) -> None:
    forget(instance.tenant_id)


def connect() -> None:
    for model in (CustomField, CustomFieldCategory):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"custom_fields.{model.__name__}.save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"custom_fields.{model.__name__}.delete")
