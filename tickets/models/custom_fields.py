"""Tenant-defined ticket fields: their definitions here, their values in `Ticket.custom_fields` (JSONB).

How values are stored and why is explained in tickets/custom_fields/__init__.py."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenancy.models import TenantModel
from tickets.models.desk import Category


class CustomField(TenantModel):
    """One field a tenant adds to its tickets. The key names the value in `Ticket.custom_fields`, in the audit
    trail, the API, webhooks and saved views, so it never changes; the label, help text and choice labels may."""

    class Type(models.TextChoices):
        TEXT = "text", "Text (one line)"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice (one of a list)"
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        CHECKBOX = "checkbox", "Checkbox"

    key = models.SlugField(max_length=40, allow_unicode=False)
    label = models.CharField(max_length=100)
    help_text = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    # [{"code": "cloud", "label": "Tessera Cloud"}, ...] for the two choice types; codes never change once used.
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    visible_in_portal = models.BooleanField(default=False)
    # Empty: the field applies to every ticket; else only to tickets of these top-level categories.
    categories = models.ManyToManyField(Category, through="CustomFieldCategory", blank=True, related_name="+")
    required_at_creation = models.BooleanField(default=False)
    required_at_resolution = models.BooleanField(default=False)
    # An archived field keeps its values (shown read-only, still filterable) but is no longer asked for.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class SortIndex(models.TextChoices):
        NONE = "", "Not indexed"
        PENDING = "pending", "Waiting to be built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # Sorting the queue by the field at a million tickets needs an index of its own: an admin asks for one
    # (sort_indexed), the owner role builds it CONCURRENTLY as a partial index on the tenant's tickets and records
    # the outcome here (tickets.custom_fields.sort_indexes). PostgreSQL only.
    sort_indexed = models.BooleanField(default=False)
    sort_index_state = models.CharField(max_length=10, choices=SortIndex.choices, blank=True, default="")
    sort_index_note = models.CharField(max_length=300, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="customfield_tenant_key")]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.archived_at is None


class CustomFieldCategory(TenantModel):
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "field", "category"], name="customfieldcategory_unique")
        ]
        indexes = [models.Index(fields=["tenant", "category"], name="customfieldcategory_category")]
