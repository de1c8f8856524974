from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tenancy.context import tenant_context
from tenancy.models import (
    ConfigChange,
    Invitation,
    Membership,
    MembershipSkill,
    PendingTask,
    Skill,
    Tenant,
    TenantDomain,
    User,
)
from tenancy.roles import Role


class TenantOwnedFactory(DjangoModelFactory):
    """Create tenant-owned rows inside their tenant's scope, as the application would."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory("tests.tenancy.factories.TenantFactory")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    ticket_prefix = factory.LazyAttribute(lambda o: o.slug.upper().replace("-", "")[:10])


class TenantDomainFactory(DjangoModelFactory):
    class Meta:
        model = TenantDomain

    tenant = factory.SubFactory(TenantFactory)
    domain = factory.Sequence(lambda n: f"support{n}.example.com")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "tessera-demo")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


class PendingTaskFactory(TenantOwnedFactory):
    class Meta:
        model = PendingTask

    task_name = "tenancy.heartbeat"
    kwargs = factory.Dict({})


class ConfigChangeFactory(TenantOwnedFactory):
    class Meta:
        model = ConfigChange

    actor_membership = None
    actor_automation = factory.LazyAttribute(lambda change: "" if change.actor_membership else "tenant setup")
    area = "tenancy.branding"
    action = ConfigChange.Action.UPDATED
    before = factory.Dict({"display_name": ""})
    after = factory.Dict({"display_name": "Help"})


class SkillFactory(TenantOwnedFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Skill {n}")


class MembershipSkillFactory(TenantOwnedFactory):
    class Meta:
        model = MembershipSkill

    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    skill = factory.SubFactory(SkillFactory, tenant=factory.SelfAttribute("..tenant"))


class InvitationFactory(TenantOwnedFactory):
    """A pending invitation sent a day ago, with the digest of its real token (tenancy.services.invitation_token)."""

    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.AGENT
    sent_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    expires_at = factory.LazyAttribute(lambda invitation: invitation.sent_at + timedelta(days=7))
    token_hash = "pending"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tenancy.services.invitations import invitation_token, token_digest

        invitation = super()._create(model_class, *args, **kwargs)
        with tenant_context(invitation.tenant_id):
            invitation.token_hash = token_digest(invitation_token(invitation))
            invitation.save(update_fields=["token_hash"])
        return invitation


def make_platform_staff(email: str, password: str = "a-long-operator-passphrase") -> User:
    """Platform staff are made by the platform role (the admin, `createsuperuser --database platform`): the
    application role may not set the flags (migration tenancy 0004). Commits at once, on its own connection."""
    from tenancy.context import unscoped

    with unscoped():
        return User.objects.create_superuser(email, password)
