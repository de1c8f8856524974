"""Tenants and the platform directory rows that are not tenant-owned: the custom host names and email addresses a
tenant is found by before any tenant is known, and the leases of jobs that span tenants (PLATFORM_MODELS in
tenancy.checks)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as dj_timezone

from tenancy.fixed_urls import fixed_url, numbered_url
from tenancy.models.users import normalize_email, validate_timezone
from tenancy.storage import tenant_upload_path

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    "Use 1-40 lowercase letters, digits and inner hyphens (it becomes part of the web address).",
)
prefix_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$", "Use 2-10 capital letters or digits, starting with a letter."
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #2563eb.")
RESERVED_SLUGS = frozenset({"www", "admin", "api", "static", "media", "mail", "platform", "app"})


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"{value!r} is reserved.")


class Tenant(models.Model):
    slug = models.CharField(max_length=40, unique=True, validators=[slug_validator, validate_slug_not_reserved])
    name = models.CharField(max_length=200)
    # Shown before every ticket number (ACME-1042); immutable once a ticket has been numbered.
    ticket_prefix = models.CharField(max_length=10, validators=[prefix_validator])
    # The last ticket number handed out; the row lock on increment keeps numbers gap-free under concurrency.
    last_ticket_number = models.PositiveBigIntegerField(default=0, editable=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    default_language = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    # Ticket handling.
    agents_see_all_tickets = models.BooleanField(
        default=True, help_text="Off: agents see only tickets in the queues of their teams (supervisors see all)."
    )
    agents_see_own_figures = models.BooleanField(
        default=True, help_text="On: agents have a dashboard of their own load and due tickets; off: supervisors only."
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        default=7, help_text="A customer reply within this many days reopens a resolved ticket; later, a new one."
    )
    max_attachment_mb = models.PositiveSmallIntegerField(default=10)
    # Routing's availability rules (routing.availability): an online agent idle this long is marked away, and an
    # agent offline this long has their open tickets returned to the queue. 0 (the default) turns either off:
    # a tenant opts in, so no agent is marked away or loses tickets by a rule nobody chose.
    away_after_idle_minutes = models.PositiveIntegerField(default=0)
    return_after_offline_minutes = models.PositiveIntegerField(default=0)
    # Codes of the attachment kinds accepted (images, pdf, office, ...: see tickets.services.attachments);
    # empty means every kind the platform accepts.
    allowed_attachment_kinds = models.JSONField(default=list, blank=True)

    # Branding of the portal and mails.
    display_name = models.CharField(max_length=200, blank=True)
    logo = models.ImageField(upload_to=tenant_upload_path, blank=True)
    accent_colour = models.CharField(max_length=7, default="#2563eb", validators=[colour_validator])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"

    def url(self, path: str = "/") -> str:
        """Absolute URL on the tenant's own host (links in mail and printed by commands)."""
        port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
        return f"{settings.PUBLIC_SCHEME}://{self.host}{port}{path}"

    def url_for(self, viewname: str, *args, query: str = "", **kwargs) -> str:
        """Absolute URL of a view of the tenant URLconf on the tenant's own host, whatever host the caller is
        on (a task, a command, the platform host): every link in a mail is made here. A URL without arguments,
        or with one number (a ticket's), comes from tenancy.fixed_urls' per-process cut: a routing batch mails
        an agent per ticket, and reverse() twice a mail was an eighth of composing it."""
        numbers = () if args and kwargs else args or tuple(kwargs.values())
        if not args and not kwargs:
            path = fixed_url(viewname, urlconf=settings.ROOT_URLCONF)
        elif len(numbers) == 1 and type(numbers[0]) is int and numbers[0] >= 0:
            path = numbered_url(viewname, numbers, urlconf=settings.ROOT_URLCONF)
        else:
            path = reverse(viewname, args=args or None, kwargs=kwargs or None, urlconf=settings.ROOT_URLCONF)
        return self.url(f"{path}?{query}" if query else path)

    def format_ticket_number(self, number: int) -> str:
        return f"{self.ticket_prefix}-{number}"


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "Enter a host name such as support.example.com.",
)


class TenantDomain(models.Model):
    """A custom host name that serves the tenant besides <slug>.<BASE_DOMAIN>.

    A platform directory row, like Tenant itself: a host name must be unique across all tenants and is looked
    up before any tenant is known, so it is not tenant-owned (see PLATFORM_MODELS in tenancy.checks).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, validators=[domain_validator])
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)


class AddressClaim(models.Model):
    """An email address one tenant's help desk receives at and sends as: at most one tenant per address.

    A platform directory row like TenantDomain (see PLATFORM_MODELS in tenancy.checks): the address must be
    unique across all tenants, and the mail pipe looks it up before any tenant is known. A unique constraint on
    the tenant-owned SupportAddress could not say this without breaking the rule that tenant_id leads every key.
    An address under the tenant's own host is verified when claimed; any other one only once an admin opened
    the signed link mailed to it (tickets.services.address_claims).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="address_claims")
    email = models.EmailField(max_length=254, unique=True)  # stored lower-cased (the check constraint holds it)
    verified_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the secret in the newest verification link; cleared when it is used, so a link works once.
    verification_token_hash = models.CharField(max_length=64, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="addressclaim_email_lowercase")
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class JobLease(models.Model):
    """Who runs a periodic job now: one platform row per job name, claimed by one conditional UPDATE.

    Not tenant-owned (see PLATFORM_MODELS in tenancy.checks): a job spans tenants and runs with none in scope.
    Free when `expires_at` is empty or past; tenancy.leases claims and releases it (and says why an UPDATE, not
    an advisory or row lock: it works behind a transaction pooler and on SQLite).
    """

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
