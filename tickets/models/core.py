"""The ticket and everything around it. People inside a tenant are Memberships; requesters are Contacts."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from tenancy.db.indexes import CoveringIndex
from tenancy.db.lookups import GreaterThanConstant
from tenancy.models import Membership, TenantManager, TenantModel, TenantQuerySet
from tenancy.storage import tenant_upload_path
from tickets.lifecycle import Status


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


class Message(TenantModel):
    class Kind(models.TextChoices):
        REPLY = "reply", "Public reply"
        NOTE = "note", "Internal note"
        SYSTEM = "system", "System"

    # Served by message_ticket (tenant, ticket) and the same-tenant key: no index of its own.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    # One of the two is set: each is indexed only where set (message_author_*), for the constraint's check when a
    # member or contact is deleted.
    author_membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    # Sanitised HTML rendered once on write (plain text is rendered to it); templates show it as is. The body
    # is stored once: its text is derived where needed (body_text).
    body_html = models.TextField()
    email_message_id = models.CharField(max_length=255, blank=True)
    email_in_reply_to = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_membership__isnull=False, author_contact__isnull=False), name="message_one_author"
            ),
        ]
        indexes = [
            # A ticket's messages. Equal keys: PostgreSQL stores the key once with the ticket's rows after it
            # (B-tree deduplication), a fifth of (tenant, ticket, created_at, id); their order is a sort of one
            # ticket's messages, which every reader loads whole anyway (the page, the API, the mail thread).
            models.Index(fields=["tenant", "ticket"], name="message_ticket"),
            models.Index(
                fields=["tenant", "email_message_id"], name="message_email_id", condition=~Q(email_message_id="")
            ),
            models.Index(
                fields=["author_membership"], name="message_author_member", condition=Q(author_membership__isnull=False)
            ),
            models.Index(
                fields=["author_contact"], name="message_author_contact", condition=Q(author_contact__isnull=False)
            ),
        ]

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.REPLY

    @property
    def body_text(self) -> str:
        """The body as plain text, paragraphs and line breaks kept (the API, mentions, mail, excerpts)."""
        from tickets.content import html_to_plain_text

        return html_to_plain_text(self.body_html)


class Attachment(TenantModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    # Enforced by the same-tenant key (tenant, message): the message's primary key is (tenant, id) (0023_s3).
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments", db_constraint=False
    )
    file = models.FileField(upload_to=tenant_upload_path, max_length=255)
    # The uploader's name, for display and download only; never used as a path.
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)  # detected from the bytes
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "ticket"], name="attachment_ticket")]


class TicketEvent(TenantModel):
    """The audit trail: append-only (a PostgreSQL trigger refuses UPDATE and DELETE).

    Exactly one actor: an agent (membership), a contact, or a named automation ("routing rule #12", "SLA sweep").
    Values are ids and codes, never personal data, so erasing a person never has to touch the trail.
    """

    # Served by ticketevent_ticket (tenant, ticket) and the same-tenant key: no index of its own.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="events", db_index=False, db_constraint=False
    )
    # At most one of the two is set: each is indexed only where set (ticketevent_actor_*).
    actor_membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_automation = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=100, blank=True)
    new_value = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(actor_membership__isnull=False, actor_contact__isnull=True, actor_automation="")
                    | Q(actor_membership__isnull=True, actor_contact__isnull=False, actor_automation="")
                    | (Q(actor_membership__isnull=True, actor_contact__isnull=True) & ~Q(actor_automation=""))
                ),
                name="ticketevent_exactly_one_actor",
            ),
        ]
        indexes = [
            # A ticket's events, deduplicated as message_ticket is (the timeline sorts one ticket's events).
            models.Index(fields=["tenant", "ticket"], name="ticketevent_ticket"),
            models.Index(
                fields=["actor_membership"],
                name="ticketevent_actor_member",
                condition=Q(actor_membership__isnull=False),
            ),
            models.Index(
                fields=["actor_contact"], name="ticketevent_actor_contact", condition=Q(actor_contact__isnull=False)
            ),
            # Reports: the status changes (resolutions, reopens) and escalations of a period.
            models.Index(fields=["tenant", "kind", "created_at"], name="ticketevent_kind_created"),
            # Reports: a ticket's resolutions (its first and final one) and whether it was ever reopened, looked
            # up per ticket; the predicates are reporting.reports.data's RESOLUTION_Q and REOPEN_Q, word for word.
            models.Index(
                fields=["tenant", "ticket", "created_at"],
                name="ticketevent_resolutions",
                condition=Q(
                    field="status",
                    old_value__in=["new", "on_hold", "open", "pending"],
                    new_value__in=["resolved", "closed"],
                ),
            ),
            models.Index(
                fields=["tenant", "ticket"],
                name="ticketevent_reopens",
                condition=Q(field="status", old_value="resolved", new_value__in=["new", "on_hold", "open", "pending"]),
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ticket events are append-only.")
