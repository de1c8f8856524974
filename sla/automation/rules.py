"""The tenant's auto-resolve and auto-close settings: read with their defaults, changed by one audited service.

The two are validated together with the reopen window (Settings → Portal and tickets): a resolved ticket may be
reopened by its customer for `reopen_window_days`, so auto-close may never come sooner. The window can be
widened later on the portal page (tickets does not know about SLA), so the job also closes no sooner than the
window of the moment: `close_delay_days` is the one place that decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from sla.models import AutomationSettings
from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, Tenant

AREA = "sla.automation"
FIELDS = ("resolve_after_days", "close_enabled", "close_after_days", "resolve_message")
DEFAULT_RESOLVE_DAYS = 7
MAX_DAYS = 365
MAX_MESSAGE = 2000
DEFAULT_RESOLVE_MESSAGE = (
    "Hello,\n\nWe haven't heard back from you for a while, so we've marked this request as resolved.\n\n"
    "If you still need help, just reply to this message and we'll reopen it."
)


@dataclass(frozen=True)
class Rules:
    """What the job does in a tenant: resolve after `resolve_days` (None: never), close after `close_days`
    (None: never), with `message` to the customer on auto-resolve."""

    resolve_days: int | None
    close_days: int | None
    message: str


def get_automation_settings() -> AutomationSettings:
    """The tenant's row, or an unsaved one with the defaults."""
    return AutomationSettings.objects.first() or AutomationSettings()


def close_delay_days(settings: AutomationSettings, *, reopen_window_days: int) -> int | None:
    """Days after resolution a ticket is closed: the setting, never under the reopen window; None when off."""
    if not settings.close_enabled:
        return None
    chosen = settings.close_after_days if settings.close_after_days is not None else reopen_window_days
    return max(chosen, reopen_window_days)


def current_rules(tenant: Tenant) -> Rules:
    settings = get_automation_settings()
    return Rules(
        resolve_days=settings.resolve_after_days,
        close_days=close_delay_days(settings, reopen_window_days=tenant.reopen_window_days),
        message=settings.resolve_message.strip() or DEFAULT_RESOLVE_MESSAGE,
    )


def check_rules(
    *, resolve_after_days: int | None, close_enabled: bool, close_after_days: int | None, reopen_window_days: int
) -> dict[str, str]:
    """The refusals by field ({} when the settings are valid together)."""
    errors = {}
    if resolve_after_days is not None and not 1 <= resolve_after_days <= MAX_DAYS:
        errors["resolve_after_days"] = f"Auto-resolve after 1 to {MAX_DAYS} days, or leave it empty to turn it off."
    if close_after_days is not None and not 0 <= close_after_days <= MAX_DAYS:
        errors["close_after_days"] = f"Auto-close after 0 to {MAX_DAYS} days, or leave it empty to follow the window."
    elif close_enabled and close_after_days is not None and close_after_days < reopen_window_days:
        errors["close_after_days"] = (
            f"Customers may reopen a resolved request for {reopen_window_days} days (the reopen window, under "
            f"Portal and tickets): closing after {close_after_days} would take that away. Choose "
            f"{reopen_window_days} days or more, or leave it empty to close when the window ends."
        )
    return errors


@settings_service(AREA)
def update_automation_settings(
    *,
    tenant: Tenant,
    actor: Membership,
    resolve_after_days: int | None,
    close_enabled: bool,
    close_after_days: int | None,
    resolve_message: str = "",
) -> AutomationSettings:
    """Change the tenant's auto-resolve and auto-close rules (admins), validated together with the reopen window;
    a refusal names every field at fault (a ValidationError by field)."""
    require_admin_or_automation(actor, "Only tenant admins can change auto-resolve and auto-close.")
    resolve_message = (resolve_message or "").strip()
    if len(resolve_message) > MAX_MESSAGE:
        raise ServiceError(f"Keep the message under {MAX_MESSAGE} characters.")
    # Locked so a concurrent change of the reopen window cannot slip between the check and the write.
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    errors = check_rules(
        resolve_after_days=resolve_after_days,
        close_enabled=close_enabled,
        close_after_days=close_after_days,
        reopen_window_days=tenant.reopen_window_days,
    )
    if errors:
        raise ValidationError(errors)  # one message per field: the settings page shows each under its field
    settings = AutomationSettings.objects.select_for_update().first() or AutomationSettings()
    before = snapshot(settings, FIELDS) if settings.pk else {}
    settings.resolve_after_days = resolve_after_days
    settings.close_enabled = close_enabled
    settings.close_after_days = close_after_days
    settings.resolve_message = resolve_message
    settings.updated_at = timezone.now()
    created = settings.pk is None
    settings.save()
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.CREATED if created else ConfigChange.Action.UPDATED,
        target=settings,
        label="Auto-resolve and auto-close",
        before=before,
        after=snapshot(settings, FIELDS),
    )
    return settings
