"""What happened on a ticket: its conversation (messages and their attachments) and the append-only audit trail."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantModel
from tenancy.storage import tenant_upload_path
from tickets.models.contacts import Contact
from tickets.models.desk import Channel
from tickets.models.ticket import Ticket


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
