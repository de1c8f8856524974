"""A person inside a tenant: their membership, the skills routing matches them by, and invitations to join the staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from tenancy.models.scoping import TenantModel
from tenancy.models.users import normalize_email
from tenancy.roles import Role


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
