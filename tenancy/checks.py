"""System checks that refuse a tenant-owned model which could leak across tenants."""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.db import models


def tenant_owned_models() -> list[type[models.Model]]:
    from tenancy.models import TenantModel

    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


@checks.register(checks.Tags.models)
def check_tenant_models(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from tenancy.models import Tenant, TenantManager, TenantModel

    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        label = model._meta.label
        owned = issubclass(model, TenantModel)
        points_at_tenant = any(
            f.is_relation and f.related_model is Tenant and f.many_to_one for f in model._meta.concrete_fields
        )
        if points_at_tenant and not owned and label not in PLATFORM_MODELS and model._meta.app_label in _OWN_APPS:
            errors.append(
                checks.Error(
                    f"{label} has a foreign key to Tenant but does not inherit TenantModel.",
                    id="tenancy.E001",
                )
            )
        if not owned:
            continue
        if not isinstance(model._default_manager, TenantManager) or model._meta.base_manager_name != "objects":
            errors.append(
                checks.Error(
                    f"{label} must keep the scoped manager as default and base manager "
                    "(declare `class Meta(TenantModel.Meta)`).",
                    id="tenancy.E002",
                )
            )
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and _leading_name(constraint) != "tenant":
                errors.append(
                    checks.Error(
                        f"{label}: unique constraint {constraint.name} must lead with tenant.",
                        id="tenancy.E003",
                    )
                )
        for index in model._meta.indexes:
            if len(index.fields) > 1 and index.fields[0] != "tenant":
                errors.append(checks.Error(f"{label}: index {index.name} must lead with tenant.", id="tenancy.E004"))
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key:
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} is unique across tenants; use a UniqueConstraint led by tenant.",
                        id="tenancy.E005",
                    )
                )
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if issubclass(field.related_model, TenantModel) and not issubclass(through, TenantModel):
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} links tenant-owned rows through a table without a tenant; "
                        "give it a `through` model that inherits TenantModel.",
                        id="tenancy.E006",
                    )
                )
    return errors


@checks.register(checks.Tags.database)
def check_full_text_match_is_leakproof(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Under row-level security PostgreSQL applies a non-LEAKPROOF text match only after reading every row of the
    tenant: ticket search then takes seconds at a million tickets. Marking it needs a superuser, once."""
    from django.db import connections

    warnings = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proleakproof FROM pg_proc WHERE proname = 'ts_match_vq' "
                "AND pronamespace = 'pg_catalog'::regnamespace"
            )
            row = cursor.fetchone()
        if not row or not row[0]:
            warnings.append(
                checks.Warning(
                    "ts_match_vq is not LEAKPROOF in this database: full-text search scans every row of a tenant.",
                    hint="As a superuser: ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;",
                    id="tenancy.W001",
                )
            )
    return warnings


@checks.register(checks.Tags.database)
def check_json_containment_is_leakproof(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Custom-field filters are JSON containment (`custom_fields @> ...`, tickets.custom_fields.queries): under
    row-level security a non-LEAKPROOF jsonb_contains cannot use the GIN index before the policy, so a filter on
    a rare value walks the tenant's tickets (0.4 s at 800,000 tickets instead of 35 ms, docs/benchmarks.md)."""
    from django.db import connections

    warnings = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.jsonb_contains(jsonb, jsonb)'::regprocedure"
            )
            row = cursor.fetchone()
        if not row or not row[0]:
            warnings.append(
                checks.Warning(
                    "jsonb_contains is not LEAKPROOF in this database: custom-field filters cannot use their index.",
                    hint="As a superuser: ALTER FUNCTION pg_catalog.jsonb_contains(jsonb, jsonb) LEAKPROOF;",
                    id="tenancy.W011",
                )
            )
    return warnings


@checks.register(checks.Tags.database)
def check_application_role_cannot_bypass(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """The application's connection must not reach a role that bypasses row-level security (a `SET ROLE` from
    injected SQL would read every tenant); cross-tenant code has the platform connection for that."""
    from django.db import connections

    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql" or alias == "platform":
            continue
        with connection.cursor() as cursor:
            # The owner (migrations, seed_bench) bypasses by design: its own attributes count only once the
            # tables exist and belong to someone else.
            cursor.execute(
                "SELECT r.rolname FROM pg_roles r WHERE (r.rolbypassrls OR r.rolsuper) "
                "AND pg_has_role(current_user, r.oid, 'MEMBER') AND (r.rolname <> current_user OR EXISTS "
                "(SELECT 1 FROM pg_tables t WHERE t.tablename = 'tenancy_tenant' AND t.tableowner <> current_user))"
            )
            roles = [row[0] for row in cursor.fetchall()]
        if roles:
            errors.append(
                checks.Error(
                    f"The application's database role can become {', '.join(roles)}, which bypasses row-level "
                    "security: injected SQL could read every tenant.",
                    hint="REVOKE those roles from it; platform code uses PLATFORM_DATABASE_URL (README).",
                    id="tenancy.E007",
                )
            )
    return errors


def _leading_name(constraint: models.UniqueConstraint) -> str | None:
    if constraint.fields:
        return constraint.fields[0]
    first = constraint.expressions[0] if constraint.expressions else None
    return getattr(first, "name", None)


# Platform directory rows that name a tenant but are looked up before one is known, like Tenant itself.
PLATFORM_MODELS = {"tenancy.TenantDomain", "tenancy.AddressClaim", "tenancy.JobLease"}
_OWN_APPS = {"tenancy", "tickets", "routing", "sla", "kb", "reporting"}


@checks.register(checks.Tags.security, deploy=True)
def check_outbound_guard(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production keeps tenant-typed connections (webhooks, IMAP) off the internal network (tenancy.outbound)."""
    from django.conf import settings

    if settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS:
        return [
            checks.Warning(
                "OUTBOUND_ALLOW_PRIVATE_NETWORKS is on: tenant admins can make this server connect to private, "
                "loopback and link-local addresses (webhooks, IMAP mailboxes).",
                hint="Set OUTBOUND_ALLOW_PRIVATE_NETWORKS=false (and WEBHOOKS_ALLOW_PRIVATE_NETWORKS) in production.",
                id="tenancy.W010",
            )
        ]
    return []
