"""The requesters: contacts, and the customer companies they belong to. People inside a tenant are Memberships."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from tenancy.models import Membership, TenantModel


class Organisation(TenantModel):
    """The customer company a contact belongs to."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="Mail domain of its people, e.g. example.com")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint("tenant", Lower("name"), name="organisation_tenant_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(TenantModel):
    """A requester. One contact's tickets from every channel show together."""

    class Tier(models.TextChoices):
        STANDARD = "standard", "Standard"
        VIP = "vip", "VIP"

    # Stored lower-cased; optional for a phone-only contact.
    email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001 - NULL: unique only when present
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    language = models.CharField(max_length=10, blank=True)
    # An organisation manager sees every request of their organisation in the portal, not only their own.
    manages_organisation = models.BooleanField(default=False)
    # Set when the person signs in to the portal.
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The words of the name and of the address (split at its dots, @ and dashes), for the search box: a GIN
    # index finds the requesters whose words start with the query's (tickets.search.matching_contacts) where a
    # substring match read every contact of the tenant. Kept by a trigger on PostgreSQL
    # (migrations/0021_search_requesters); NULL on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="contact_tenant_email"),
            models.UniqueConstraint(
                fields=["tenant", "membership"], name="contact_tenant_membership", condition=Q(membership__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "organisation"], name="contact_tenant_org"),
            GinIndex(fields=["tenant", "search_vector"], name="contact_search"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"Contact {self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower() or None
        super().save(*args, **kwargs)
