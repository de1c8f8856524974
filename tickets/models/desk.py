"""How a tenant's desk is organised: teams and their members, queues, categories, tags, and the priority and
channel choices tickets and queues take."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from tenancy.models import Membership, TenantModel


class Team(TenantModel):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Membership, through="TeamMembership", related_name="teams")

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint("tenant", Lower("name"), name="team_tenant_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(TenantModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "team", "membership"], name="teammembership_unique")]
        indexes = [models.Index(fields=["tenant", "membership"], name="teammembership_member")]


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Queue(TenantModel):
    class Strategy(models.TextChoices):
        MANUAL = "manual", "Manual (agents claim)"
        ROUND_ROBIN = "round_robin", "Round robin"
        LEAST_LOADED = "least_loaded", "Least loaded"
        SKILL_BASED = "skill_based", "Skill based"

    name = models.CharField(max_length=100)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="queues")
    # New tickets land here until routing moves them; exactly one per tenant.
    is_default = models.BooleanField(default=False)
    assignment_strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.MANUAL)
    # The priority a ticket filed into this queue starts with when its channel names none.
    default_priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="queue_tenant_name"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_default=True), name="queue_one_default"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(TenantModel):
    """Two levels: a category and its subcategories."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_public = models.BooleanField(default=True, help_text="Offered to customers in the portal.")
    position = models.PositiveSmallIntegerField(default=0)
    # Archived: kept for the tickets filed under it, no longer offered anywhere.
    is_active = models.BooleanField(default=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint("tenant", "parent", Lower("name"), name="category_tenant_parent_name"),
        ]
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class Tag(TenantModel):
    name = models.CharField(max_length=50)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint("tenant", Lower("name"), name="tag_tenant_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    API = "api", "API"
    INTERNAL = "internal", "Internal"
