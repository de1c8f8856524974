"""The ticket: its fields, indexes and QuerySet, and what links it to contacts, tags and other tickets."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.db.indexes import CoveringIndex
from tenancy.db.lookups import GreaterThanConstant
from tenancy.models import Membership, TenantManager, TenantModel, TenantQuerySet
from tickets.lifecycle import Status
from tickets.models.contacts import Contact
from tickets.models.desk import Category, Channel, Priority, Queue, Tag, Team

# Escalation levels: 0 is not escalated; 1..N are the tenant's escalation tiers (tickets.models.EscalationTier,
# named and counted per tenant), at most MAX_ESCALATION_LEVEL.
NOT_ESCALATED = 0
MAX_ESCALATION_LEVEL = 9


class TicketQuerySet(TenantQuerySet):
    def open(self):
        return self.filter(is_open=True)

    def in_queue(self, queue_id: int):
        return self.filter(queue_id=queue_id)

    def assigned_to(self, membership_id: int):
        return self.filter(assignee_id=membership_id)

    def unassigned(self):
        return self.filter(assignee__isnull=True)

    def escalated(self):
        # The constant in the SQL, as in the ticket_escalated_due index's condition (tenancy.db.lookups).
        return self.filter(GreaterThanConstant(models.F("escalation_level"), 0))

    def due_before(self, moment):
        return self.filter(next_due_at__lt=moment)

    def not_spam(self):
        return self.exclude(status=Status.SPAM)


class Ticket(TenantModel):
    number = models.PositiveBigIntegerField(editable=False)
    subject = models.CharField(max_length=250)
    # The conversation lives in Message (the first message is the description). Foreign keys that an index led
    # by (tenant, column) serves have no single-column index nor constraint of their own: the composite
    # same-tenant key (tenancy.migration_ops.TenantSecurity) enforces them, and a parent's delete checks
    # through that index (the collector's queries carry the tenant).
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", db_index=False, db_constraint=False
    )
    participants = models.ManyToManyField(Contact, through="TicketParticipant", related_name="cc_tickets")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    # The support address a mailed request came to (routing rules match on it); blank for other channels.
    received_address = models.CharField(max_length=254, blank=True, default="")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subcategory = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    is_open = models.BooleanField(default=True)
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", db_index=False, db_constraint=False
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    tags = models.ManyToManyField(Tag, through="TicketTag", related_name="tickets")
    escalation_level = models.PositiveSmallIntegerField(default=NOT_ESCALATED)
    # Almost always empty: indexed only where set (ticket_merged_into), for the constraint's check on a delete.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    # Timestamps that SLA and reports need.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_activity_at = models.DateTimeField(null=True, blank=True)
    last_agent_activity_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Deadlines, filled in by the SLA work; next_due_at is the earliest one still open (null: none).
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)

    # Values of the tenant's custom fields by key (tickets/custom_fields): written only by the ticket services.
    custom_fields = models.JSONField(default=dict, blank=True, editable=False)

    # Full-text search (PostgreSQL): the subject's words (weight A, kept by a trigger whenever the subject is
    # written) and the messages' (weight B, appended by the services as each message is added: no text copy of
    # the conversation is kept on the ticket). tickets.search_index.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TenantManager.from_queryset(TicketQuerySet)()

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_tenant_number"),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=MAX_ESCALATION_LEVEL), name="ticket_escalation_level"
            ),
        ]
        indexes = [
            # Open tickets only: a queue's list is its open tickets (selectors.queue_tickets); a queue's closed
            # ones are found through ticket_queue_status_due, which also serves the queue's same-tenant key.
            models.Index(
                fields=["tenant", "queue", "next_due_at", "id"], name="ticket_queue_open", condition=Q(is_open=True)
            ),
            # INCLUDE the column the lists also filter on, so a deep page is an index-only scan.
            CoveringIndex(
                fields=["tenant", "queue", "status", "next_due_at", "id"],
                name="ticket_queue_status_due",
                include=["is_open"],
            ),
            CoveringIndex(fields=["tenant", "next_due_at", "id"], name="ticket_due", include=["status"]),
            models.Index(fields=["tenant", "assignee", "is_open", "next_due_at", "id"], name="ticket_assignee_due"),
            # The open tickets in due order, and the closed ones SLA has not yet stopped the clocks of
            # (reporting.dashboard.due): never the closed tickets without a due time, most of the table.
            models.Index(
                fields=["tenant", "is_open", "next_due_at", "id"],
                name="ticket_open_or_due",
                condition=Q(is_open=True) | Q(next_due_at__isnull=False),
            ),
            models.Index(
                fields=["tenant", "queue", "next_due_at", "id"],
                name="ticket_unassigned_due",
                condition=Q(assignee__isnull=True, is_open=True),
            ),
            models.Index(
                fields=["tenant", "next_due_at", "id"], name="ticket_escalated_due", condition=Q(escalation_level__gt=0)
            ),
            models.Index(fields=["tenant", "contact", "created_at"], name="ticket_contact_created"),
            models.Index(fields=["tenant", "updated_at", "id"], name="ticket_updated"),
            models.Index(fields=["tenant", "created_at", "id"], name="ticket_created"),
            # Reports read the tickets first answered in a period from reporting_ticket_answered (reporting 0004,
            # PostgreSQL) and resolutions from the events and reporting.facts, never by resolved_at.
            # Reports leave merged tickets and spam out by id: the few there are.
            models.Index(
                fields=["tenant", "id"],
                name="ticket_merged_or_spam",
                condition=Q(merged_into__isnull=False) | Q(status="spam"),
            ),
            models.Index(fields=["merged_into"], name="ticket_merged_into", condition=Q(merged_into__isnull=False)),
            GinIndex(fields=["tenant", "search_vector"], name="ticket_search"),
            # Containment filters on custom fields (custom_fields @> '{"product": "cloud"}'), led by the tenant.
            GinIndex(
                fields=["tenant", "custom_fields"],
                name="ticket_custom_fields",
                opclasses=["int8_ops", "jsonb_path_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return self.tenant.format_ticket_number(self.number)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("desk:ticket", kwargs={"number": self.number})


class TicketParticipant(TenantModel):
    """A contact copied on the ticket (CC): they may read and reply to its public conversation."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket", "contact"], name="participant_unique")]
        indexes = [models.Index(fields=["tenant", "contact"], name="participant_contact")]


class TicketTag(TenantModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket", "tag"], name="tickettag_unique")]
        indexes = [models.Index(fields=["tenant", "tag", "ticket"], name="tickettag_tag")]


class TicketLink(TenantModel):
    """A relation between two tickets: related, a follow-up opened after the reopen window, or a merge."""

    class Kind(models.TextChoices):
        RELATED = "related", "Related"
        FOLLOW_UP = "follow_up", "Follow-up of"
        MERGED = "merged", "Merged into"

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "target", "kind"], name="ticketlink_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="ticketlink_not_self"),
        ]
        indexes = [models.Index(fields=["tenant", "target"], name="ticketlink_target")]
