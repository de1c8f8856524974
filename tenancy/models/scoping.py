"""The base of every tenant-owned row: its manager, which fails closed when no tenant is in scope, and the guard
against references across tenants."""

from __future__ import annotations

from django.db import models

from tenancy.context import UNSCOPED, NoTenantError, current_scope
from tenancy.models.tenants import Tenant


class CrossTenantError(ValueError):
    """A row of one tenant was about to reference or be written as another tenant's."""


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Filter every query by the tenant in scope; raise when there is none (fails closed)."""

    # Historical models in migrations get a plain manager; data migrations run unscoped as the owner role.
    use_in_migrations = False

    def get_queryset(self):
        queryset = self._unfiltered()
        scope = current_scope()
        return queryset if scope is UNSCOPED else queryset.filter(tenant_id=scope)

    # Writing a new row reads nothing, so the filter would be built (a queryset clone and a WHERE node, ~55 us)
    # only to be thrown away, twice a row: by create() and by save()'s insert through the base manager. Both
    # still fail closed without a scope, and save() fills the tenant from the scope and refuses another.
    def create(self, **kwargs):
        return self._unfiltered().create(**kwargs)

    def _insert(self, *args, **kwargs):
        return self._unfiltered()._insert(*args, **kwargs)

    def _unfiltered(self):
        if current_scope() is None:
            raise NoTenantError(
                f"{self.model.__name__} is tenant-owned and no tenant is in scope: "
                "enter tenant_context(tenant), or unscoped() in platform code."
            )
        return super().get_queryset()


class TenantModel(models.Model):
    """A row owned by one tenant.

    Subclasses get: the tenant column (filled from the scope on insert), a default and base manager that
    filter by the scope, and through the `TenantSecurity` migration operation a unique (tenant_id, id) key,
    composite foreign keys that make the database refuse a cross-tenant reference, and a forced row-level
    security policy. `tenancy.checks` refuses a subclass that breaks these rules.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)

    objects = TenantManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs) -> None:
        self.take_scope_tenant()
        super().save(*args, **kwargs)

    def take_scope_tenant(self) -> None:
        """Fill the tenant from the scope, or refuse another tenant's row (save's guard; for writers that insert
        without save(), as tickets.services.opening does)."""
        scope = current_scope()
        if self.tenant_id is None:
            if not isinstance(scope, int):
                raise NoTenantError(f"Cannot save a {type(self).__name__} without a tenant in scope.")
            self.tenant_id = scope
        elif isinstance(scope, int) and self.tenant_id != scope:
            raise CrossTenantError(f"{type(self).__name__} belongs to tenant {self.tenant_id}, not {scope}.")


def ensure_same_tenant(*objects: TenantModel | None) -> None:
    """Refuse references across tenants; services call it before linking rows (the database refuses too)."""
    tenants = {obj.tenant_id for obj in objects if obj is not None}
    if len(tenants) > 1:
        raise CrossTenantError("These records belong to different organisations.")
