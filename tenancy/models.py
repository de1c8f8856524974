"""Tenants, people and the base class of every tenant-owned row."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as dj_timezone

from tenancy.context import UNSCOPED, NoTenantError, current_scope
from tenancy.roles import Role
from tenancy.storage import tenant_upload_path

# ---------------------------------------------------------------------------------------------------------------
# People: users are global and sign in by email; inside a tenant a person is a Membership.
# ---------------------------------------------------------------------------------------------------------------


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).")


class User(AbstractBaseUser, PermissionsMixin):
    # Stored lower-cased (the check constraint holds the database to it), so "unique" is case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    # Platform staff only: the Django admin on the platform host. Tenant roles live on Membership.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)
    # The zone this person reads times in on every help desk (an IANA name); blank: each help desk's own.
    timezone = models.CharField(max_length=64, blank=True, default="", validators=[validate_timezone])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


# ---------------------------------------------------------------------------------------------------------------
# Tenants
# ---------------------------------------------------------------------------------------------------------------

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
        on (a task, a command, the platform host): every link in a mail is made here."""
        path = reverse(viewname, args=args or None, kwargs=kwargs or None, urlconf=settings.ROOT_URLCONF)
        return self.url(f"{path}?{query}" if query else path)

    def format_ticket_number(self, number: int) -> str:
        return f"{self.ticket_prefix}-{number}"


# ---------------------------------------------------------------------------------------------------------------
# The base of every tenant-owned row
# ---------------------------------------------------------------------------------------------------------------


class CrossTenantError(ValueError):
    """A row of one tenant was about to reference or be written as another tenant's."""


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Filter every query by the tenant in scope; raise when there is none (fails closed)."""

    # Historical models in migrations get a plain manager; data migrations run unscoped as the owner role.
    use_in_migrations = False

    def get_queryset(self):
        queryset = super().get_queryset()
        scope = current_scope()
        if scope is UNSCOPED:
            return queryset
        if scope is None:
            raise NoTenantError(
                f"{self.model.__name__} is tenant-owned and no tenant is in scope: "
                "enter tenant_context(tenant), or unscoped() in platform code."
            )
        return queryset.filter(tenant_id=scope)


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
        scope = current_scope()
        if self.tenant_id is None:
            if not isinstance(scope, int):
                raise NoTenantError(f"Cannot save a {type(self).__name__} without a tenant in scope.")
            self.tenant_id = scope
        elif isinstance(scope, int) and self.tenant_id != scope:
            raise CrossTenantError(f"{type(self).__name__} belongs to tenant {self.tenant_id}, not {scope}.")
        super().save(*args, **kwargs)


def ensure_same_tenant(*objects: TenantModel | None) -> None:
    """Refuse references across tenants; services call it before linking rows (the database refuses too)."""
    tenants = {obj.tenant_id for obj in objects if obj is not None}
    if len(tenants) > 1:
        raise CrossTenantError("These records belong to different organisations.")


# ---------------------------------------------------------------------------------------------------------------
# Custom domains and memberships
# ---------------------------------------------------------------------------------------------------------------

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


class Membership(TenantModel):
    """A user's place in one tenant. Everything that points at a person inside a tenant points here."""

    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    # Used by routing: how many open tickets an agent takes at once, and whether they take any now.
    capacity = models.PositiveSmallIntegerField(default=20)
    availability = models.CharField(max_length=8, choices=Availability.choices, default=Availability.OFFLINE)
    # When availability last changed (the offline-return rule counts from it), and when the member last used the
    # desk (the idle-to-away rule counts from it; written at most once a minute by routing's middleware).
    availability_changed_at = models.DateTimeField(default=dj_timezone.now, editable=False)
    last_active_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)
    # What the agent knows (languages, products); routing's skill-based assignment filters by it.
    skills = models.ManyToManyField("Skill", through="MembershipSkill", related_name="members", blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_tenant_user")]
        indexes = [models.Index(fields=["tenant", "role"], name="membership_tenant_role")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and Role(self.role).is_staff

    def has_role(self, minimum: str) -> bool:
        return self.is_active and Role(self.role).at_least(minimum)

    @property
    def display_name(self) -> str:
        return self.user.get_full_name()

    @property
    def mention_handle(self) -> str:
        return mention_handle_of(self.user.email)


def mention_handle_of(email: str) -> str:
    """How colleagues @mention a member in a note: the part of their email before the @."""
    return email.split("@", 1)[0]


class Skill(TenantModel):
    """A skill tag members carry ("German", "Billing", "Printers"); one row per name in a tenant, whatever its case."""

    name = models.CharField(max_length=50)
    key = models.CharField(max_length=50, editable=False)  # the name lower-cased: what "unique" compares
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="skill_tenant_key")]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.key = self.name.strip().lower()
        super().save(*args, **kwargs)


class MembershipSkill(TenantModel):
    """A member has a skill. Routing asks "who has skill X" through the (tenant, skill) index."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="member_links")

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "skill"], name="membershipskill_once"),
        ]
        indexes = [models.Index(fields=["tenant", "skill"], name="membershipskill_by_skill")]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.skill_id}"


class Invitation(TenantModel):
    """An invitation to join the tenant's staff, mailed as a signed, single-use, expiring link.

    Only the SHA-256 of the link's token is stored: the token is an HMAC (Django's signing, SECRET_KEY) of the
    tenant, the invitation and the time it was last sent, so the mail task can rebuild it and nothing in the
    database can be replayed. Sending it again makes a new token, which retires the old link. At most one pending
    invitation per address: inviting the address again replaces it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    email = models.EmailField(max_length=254)  # stored lower-cased
    role = models.CharField(max_length=16, choices=Role.choices)
    # Who sent it; empty for the platform (a tenant's first admin).
    invited_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    mailed_at = models.DateTimeField(null=True, blank=True)  # when the mail of the newest link went out
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="invitation_email_lowercase"),
        ]
        indexes = [models.Index(fields=["tenant", "-sent_at"], name="invitation_recent")]

    def __str__(self) -> str:
        return f"Invitation of {self.email}"

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= dj_timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label


# ---------------------------------------------------------------------------------------------------------------
# The configuration audit: who changed which setting, from what to what
# ---------------------------------------------------------------------------------------------------------------


class ConfigChange(TenantModel):
    """One change to a tenant's configuration, written by the settings service in the change's own transaction.

    `before` and `after` hold only the keys that changed, as JSON values (ids for references, never secrets:
    a secret reads "(hidden)"). Rows are never updated or deleted."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Changed"
        DELETED = "deleted", "Deleted"
        ARCHIVED = "archived", "Archived"
        MERGED = "merged", "Merged"

    actor_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_automation = models.CharField(max_length=100, blank=True)
    # Where the change belongs, as "<app>.<area>" ("tickets.queues", "tenancy.members"): what the audit filters by.
    area = models.CharField(max_length=60)
    action = models.CharField(max_length=12, choices=Action.choices)
    # What changed: its model label and id (a string: some settings have no row of their own) and its name then.
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="configchange_recent"),
            models.Index(fields=["tenant", "area", "-created_at"], name="configchange_area"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="configchange_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(actor_membership__isnull=False, actor_automation="")
                    | (models.Q(actor_membership__isnull=True) & ~models.Q(actor_automation=""))
                ),
                name="configchange_exactly_one_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.action} {self.target_label}".strip()

    @property
    def actor_name(self) -> str:
        return self.actor_membership.display_name if self.actor_membership_id else self.actor_automation

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(key, before, after) for each key that changed, in a stable order."""
        keys = sorted(set(self.before) | set(self.after))
        return [(key, self.before.get(key), self.after.get(key)) for key in keys]


# ---------------------------------------------------------------------------------------------------------------
# The outbox: follow-up work recorded in the transaction that caused it
# ---------------------------------------------------------------------------------------------------------------


class PendingTask(TenantModel):
    """A task that must run, written in the same transaction as its cause (see tenancy.outbox)."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=dj_timezone.now, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["last_sent_at"], name="pendingtask_undone", condition=models.Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
