"""The configuration audit: every settings service records who changed what, from what to what, in its own
transaction, and declares itself in one registry so a generated test can prove each one does."""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from tenancy.actors import Automation
from tenancy.models import ConfigChange, Membership

HIDDEN = "(hidden)"
REPLACED = "(replaced, hidden)"


@dataclass(frozen=True)
class SettingsService:
    area: str
    function: Callable


SETTINGS_SERVICES: dict[str, SettingsService] = {}


def settings_service(area: str) -> Callable:
    """Declare a function as a settings service of `area`; it must write exactly one ConfigChange per change
    (tests/tenancy/test_config_audit.py runs every declared service and counts)."""

    def declare(function: Callable) -> Callable:
        SETTINGS_SERVICES[f"{function.__module__}.{function.__qualname__}"] = SettingsService(area, function)

        @functools.wraps(function)
        def atomic(*args, **kwargs):
            # The audit row and the change commit together or not at all.
            with transaction.atomic():
                return function(*args, **kwargs)

        return atomic

    return declare


def load_settings_services() -> dict[str, SettingsService]:
    """Import every app's services so the registry is complete (the audit filter and the tests read it whole)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.services"
        if not config.name.startswith("django") and importlib.util.find_spec(config.name) and _exists(name):
            module = importlib.import_module(name)
            for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
                importlib.import_module(f"{name}.{info.name}")
    return SETTINGS_SERVICES


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def json_value(value: object) -> object:
    """A setting's value as JSON the audit can keep: ids for rows, ISO text for times, names for files."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_value(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def snapshot(obj: models.Model | None, fields: Iterable[str]) -> dict:
    """The audited fields of a row as JSON values; a foreign key by its id (`queue` reads `queue_id`)."""
    if obj is None:
        return {}
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname) if field.is_relation and field.many_to_one else getattr(obj, name)
    return {name: json_value(value) for name, value in values.items()}


def record_config_change(
    *,
    actor: Membership | Automation,
    area: str,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: object = "",
    label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> ConfigChange | None:
    """Record one configuration change with only the keys that changed; None (and no row) when nothing did.

    Call it inside the service's transaction, after validation and the write. Never pass a secret's value:
    pass HIDDEN before and REPLACED after instead."""
    before = {key: json_value(value) for key, value in (before or {}).items()}
    after = {key: json_value(value) for key, value in (after or {}).items()}
    if action == ConfigChange.Action.UPDATED:
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        if not changed:
            return None
        before = {key: value for key, value in before.items() if key in changed}
        after = {key: value for key, value in after.items() if key in changed}
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        label = label or str(target)
    return ConfigChange.objects.create(
        actor_membership=actor if isinstance(actor, Membership) else None,
        actor_automation=actor.name if isinstance(actor, Automation) else "",
        area=area,
        action=action,
        target_type=target_type,
        target_id="" if target_id in (None, "") else str(target_id),
        target_label=label[:200],
        before=before,
        after=after,
    )
