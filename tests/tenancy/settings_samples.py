"""One real change per settings service, keyed by the service's dotted name in tenancy.audit's registry.

tests/tenancy/test_config_audit.py runs each and counts the audit rows it writes; a settings service declared
without a sample here fails that test, so every new settings page is proved to be audited."""

from __future__ import annotations

from collections.abc import Callable

from tenancy import services as tenancy_services
from tenancy.models import Membership, Tenant
from tickets.services import attachments


def _branding(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
    return "display_name"


def _attachments(tenant: Tenant, admin: Membership) -> str:
    attachments.set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images", "pdf"])
    return "max_attachment_mb"


def _custom_field(**extra):
    # Made directly, not through the service: each sample must write exactly one audit row of its own.
    from tickets.models import CustomField

    return CustomField.objects.create(
        key="product", label="Product", type="choice", choices=[{"code": "cloud", "label": "Tessera Cloud"}], **extra
    )


def _custom_field_created(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.create_custom_field(actor=admin, key="product", label="Product", type="text")
    return "key"


def _custom_field_updated(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    field = _custom_field()
    custom_fields.update_custom_field(
        actor=admin, field=field, label="Product line", type="choice", choices=field.choices
    )
    return "label"


def _custom_field_archived(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.archive_custom_field(actor=admin, field=_custom_field())
    return "archived_at"


def _custom_field_restored(tenant: Tenant, admin: Membership) -> str:
    from django.utils import timezone

    from tickets.services import custom_fields

    custom_fields.restore_custom_field(actor=admin, field=_custom_field(archived_at=timezone.now()))
    return "archived_at"


def _custom_field_deleted(tenant: Tenant, admin: Membership) -> str:
    from tickets.services import custom_fields

    custom_fields.delete_custom_field(actor=admin, field=_custom_field())
    return "deleted"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
    "tickets.services.custom_fields.create_custom_field": _custom_field_created,
    "tickets.services.custom_fields.update_custom_field": _custom_field_updated,
    "tickets.services.custom_fields.archive_custom_field": _custom_field_archived,
    "tickets.services.custom_fields.restore_custom_field": _custom_field_restored,
    "tickets.services.custom_fields.delete_custom_field": _custom_field_deleted,
}
