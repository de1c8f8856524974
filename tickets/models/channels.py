"""How requests come in and go out: support addresses, mail in and out, portal sign-in links, satisfaction
ratings, API keys and webhooks (all tenant-owned)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.encryption import EncryptedTextField
from tenancy.models import Membership, TenantModel
from tenancy.roles import Role
from tenancy.storage import tenant_upload_path
from tickets.models.contacts import Contact
from tickets.models.desk import Queue
from tickets.models.history import Message
from tickets.models.ticket import Ticket

# --- Email ---------------------------------------------------------------------------------------------------------


class SupportAddress(TenantModel):
    """An address customers write to (support@acme.example). Mail to it opens tickets in its queue; the
    default one is the From of the tenant's outgoing mail."""

    email = models.EmailField(max_length=254)  # stored lower-cased
    name = models.CharField(max_length=100, blank=True, help_text="Display name in From, e.g. “Acme Support”.")
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Comma-separated; see tickets.mail.authentication. Empty: the platform's MAIL_TRUSTED_AUTHSERV_IDS.
    trusted_authserv_ids = models.CharField(max_length=255, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="supportaddress_tenant_email"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_default=True), name="supportaddress_one_default"),
        ]
        ordering = ["-is_default", "email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class MailSettings(TenantModel):
    """One row per tenant: the inbound endpoint's secret (only its hash is kept) and the intake limits."""

    inbound_secret_hash = models.CharField(max_length=64, blank=True)
    inbound_secret_hint = models.CharField(max_length=8, blank=True, help_text="Last characters, to recognise it.")
    new_tickets_per_sender_per_hour = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(default=timezone.now)
    # The HTTP endpoint's own trusted authserv-ids (the provider's receiving host); empty: the platform's.
    trusted_authserv_ids = models.CharField(max_length=255, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant"], name="mailsettings_one_per_tenant")]


class ImapMailbox(TenantModel):
    """A mailbox polled by a periodic job; fetched mail goes through the same intake as the HTTP endpoint."""

    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=254)
    password = EncryptedTextField()  # sent to the server at sign-in, so encrypted (not hashed) at rest
    folder = models.CharField(max_length=100, default="INBOX")
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The mailbox provider's receiving host(s) whose Authentication-Results to believe; empty: the platform's.
    trusted_authserv_ids = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


class InboundEmail(TenantModel):
    """Every message the intake received, kept whole (downloadable) with what the intake made of it."""

    class Source(models.TextChoices):
        HTTP = "http", "HTTP endpoint"
        COMMAND = "command", "ingest_email"
        IMAP = "imap", "IMAP"
        IMPORT = "import", "Imported history"  # ingest_email on an mbox or Maildir: old mail, never answered

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received"  # stored, not yet processed
        NEW_TICKET = "new_ticket", "Opened a ticket"
        APPENDED = "appended", "Added to a ticket"
        HELD = "held", "Held for review"  # claims a conversation but its From is not authenticated
        BOUNCE = "bounce", "Bounce recorded"
        IGNORED = "ignored", "Ignored"  # our own mail, a loop
        RATE_LIMITED = "rate_limited", "Sender over the hourly limit"
        FAILED = "failed", "Could not be processed"

    source = models.CharField(max_length=10, choices=Source.choices)
    email_message_id = models.CharField(max_length=255, blank=True)  # without angle brackets; "" when missing
    # SHA-256 of the message itself (tickets.mail.parsing.content_digest): a Message-ID seen again is the same
    # message only when this matches too (broken mailers reuse ids). "" on mail stored before it existed.
    content_digest = models.CharField(max_length=64, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    # Outlook's conversation id (the first 22 bytes of Thread-Index, hex): threads a reply that lost its headers.
    thread_index_root = models.CharField(max_length=44, blank=True)
    raw = models.FileField(upload_to=tenant_upload_path, max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    is_malformed = models.BooleanField(default=False)
    defects = models.TextField(blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.CharField(max_length=255, blank=True)
    # Whether the receiving host authenticated the From's domain (decided on receipt, see
    # tickets.mail.authentication), and the verdict in words. Mail that is not never joins a conversation unreviewed.
    authenticated = models.BooleanField(default=False)
    authentication = models.CharField(max_length=255, blank=True)
    # The ticket it was added to or opened; while HELD, the ticket it claims.
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Enforced by the same-tenant key (tenant, message): the message's primary key is (tenant, id) (0023_s3).
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            # The same message delivered twice (two addresses, a retried hook) is taken once; another message
            # reusing its Message-ID has another digest, and is a message of its own.
            models.UniqueConstraint(
                fields=["tenant", "email_message_id", "content_digest"],
                condition=~Q(email_message_id=""),
                name="inboundemail_once",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "from_address", "received_at"], name="inboundemail_sender"),
            models.Index(fields=["tenant", "ticket"], name="inboundemail_ticket", condition=Q(ticket__isnull=False)),
            models.Index(fields=["tenant", "message"], name="inboundemail_message", condition=Q(message__isnull=False)),
            models.Index(fields=["tenant", "outcome", "received_at"], name="inboundemail_outcome"),
            models.Index(
                fields=["tenant", "thread_index_root"],
                name="inboundemail_thread_index",
                condition=~Q(thread_index_root=""),
            ),
        ]
        ordering = ["-received_at"]


class OutboundEmail(TenantModel):
    """A mail to a customer, written in the transaction of its cause and sent by a task through the outbox.
    Its Message-ID is ours, so replies thread back to the ticket; a failure stays visible on the ticket."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        REPLY = "reply", "Agent reply"
        STATUS = "status", "Status change"
        RESOLVED = "resolved", "Resolved, with satisfaction survey"
        SIGN_IN = "sign_in", "Portal sign-in link"
        PASSWORD_RESET = "password_reset", "Password reset"
        ADDRESS_VERIFICATION = "address_verification", "Support address verification"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Enforced by the same-tenant key (tenant, message): the message's primary key is (tenant, id) (0023_s3).
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    to_address = models.EmailField(max_length=254)
    from_address = models.CharField(max_length=320, blank=True)  # "Name <address>"
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    email_message_id = models.CharField(max_length=255)  # without angle brackets
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "email_message_id"], name="outboundemail_message_id")]
        indexes = [
            models.Index(
                fields=["tenant", "ticket", "created_at"],
                name="outboundemail_ticket",
                condition=Q(ticket__isnull=False),
            ),
            models.Index(fields=["tenant", "to_address", "created_at"], name="outboundemail_recipient"),
            models.Index(fields=["tenant", "status", "created_at"], name="outboundemail_status"),
        ]
        ordering = ["-created_at"]


class EmailTemplate(TenantModel):
    """A tenant's own wording of one kind of customer mail; kinds without a row use the built-in wording."""

    kind = models.CharField(max_length=20, choices=OutboundEmail.Kind.choices)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="emailtemplate_tenant_kind")]


# --- Portal ----------------------------------------------------------------------------------------------------------


class PortalSignInToken(TenantModel):
    """A passwordless sign-in link: 256 random bits of which only the SHA-256 is stored; single use, expiring."""

    email = models.EmailField(max_length=254)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "token_hash"], name="signintoken_hash")]
        indexes = [models.Index(fields=["tenant", "email", "created_at"], name="signintoken_email")]


class SatisfactionRating(TenantModel):
    """The customer's rating of a resolved ticket (one per ticket; rating again replaces it, with an event)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket"], name="satisfaction_one_per_ticket"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="satisfaction_score_1_5"),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="satisfaction_created")]


# --- API and webhooks ------------------------------------------------------------------------------------------------


class ApiKey(TenantModel):
    """A key for the JSON API, acting with a staff role. Shown once; only a SHA-256 of it is kept."""

    ROLES = [
        (Role.AGENT.value, Role.AGENT.label),
        (Role.SUPERVISOR.value, Role.SUPERVISOR.label),
        (Role.ADMIN.value, Role.ADMIN.label),
    ]

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)  # the public start of the key, to find it and to recognise it
    key_hash = models.CharField(max_length=64)
    role = models.CharField(max_length=16, choices=ROLES, default=Role.AGENT)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "prefix"], name="apikey_prefix")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Webhook(TenantModel):
    """A URL told about ticket events, each payload signed with HMAC-SHA256 of the timestamp and body."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = EncryptedTextField()  # needed to sign and shown to admins, so encrypted (not hashed) at rest
    events = models.JSONField(default=list)  # event names, e.g. ["ticket.created", "ticket.resolved"]
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantModel):
    """One event sent (or being sent) to one webhook: the log admins read, with the receiver's answers."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField()  # sent as a header, so receivers can drop a repeat
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "webhook", "event_id"], name="delivery_once")]
        indexes = [
            models.Index(fields=["tenant", "webhook", "created_at"], name="delivery_webhook_created"),
            # The sweep that resends retries the broker lost reads this small partial index whole.
            models.Index(
                fields=["tenant", "next_attempt_at"], name="delivery_retrying_due", condition=Q(status="retrying")
            ),
        ]
        ordering = ["-created_at"]
