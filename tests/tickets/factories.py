import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from tenancy.models import AddressClaim
from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory
from tickets.models import (
    ApiKey,
    Attachment,
    CannedResponse,
    Category,
    Contact,
    CustomField,
    CustomFieldCategory,
    Draft,
    EmailTemplate,
    EscalationTier,
    FeedEntry,
    FeedReceipt,
    ImapMailbox,
    InboundEmail,
    MailSettings,
    Message,
    Notification,
    NotificationSetting,
    Organisation,
    OutboundEmail,
    PortalSettings,
    PortalSignInToken,
    Queue,
    SatisfactionRating,
    SavedView,
    SupportAddress,
    Tag,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketParticipant,
    TicketTag,
    Webhook,
    WebhookDelivery,
)


class OrganisationFactory(TenantOwnedFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Customer Co {n}")


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"requester{n}@example.net")
    name = factory.Faker("name")
    organisation = factory.SubFactory(OrganisationFactory, tenant=factory.SelfAttribute("..tenant"))


class TeamFactory(TenantOwnedFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory, tenant=factory.SelfAttribute("..tenant"))
    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))


class QueueFactory(TenantOwnedFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    team = factory.SubFactory(TeamFactory, tenant=factory.SelfAttribute("..tenant"))


class CategoryFactory(TenantOwnedFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(TenantOwnedFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class TicketFactory(TenantOwnedFactory):
    """A ticket row for isolation and query tests; domain tests create tickets through the services."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: n + 1)
    subject = factory.Faker("sentence", nb_words=6)
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    queue = factory.SubFactory(QueueFactory, tenant=factory.SelfAttribute("..tenant"))


class TicketParticipantFactory(TenantOwnedFactory):
    class Meta:
        model = TicketParticipant

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))


class TicketTagFactory(TenantOwnedFactory):
    class Meta:
        model = TicketTag

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    tag = factory.SubFactory(TagFactory, tenant=factory.SelfAttribute("..tenant"))


class TicketLinkFactory(TenantOwnedFactory):
    class Meta:
        model = TicketLink

    source = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    target = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = TicketLink.Kind.RELATED


class MessageFactory(TenantOwnedFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    body_html = factory.LazyAttribute(lambda o: f"<p>{o.text}</p>")

    class Params:
        text = factory.Faker("paragraph")  # the body is stored once, as HTML (Message.body_text derives it)


class AttachmentFactory(TenantOwnedFactory):
    class Meta:
        model = Attachment

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    file = factory.django.FileField(filename="notes.txt", data=b"hello")
    filename = "notes.txt"
    content_type = "text/plain"
    size = 5


class TicketEventFactory(TenantOwnedFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    actor_membership = None
    actor_contact = None
    actor_automation = factory.LazyAttribute(lambda o: "" if o.actor_membership or o.actor_contact else "test")
    kind = "created"


class CannedResponseFactory(TenantOwnedFactory):
    class Meta:
        model = CannedResponse

    title = factory.Sequence(lambda n: f"Canned {n}")
    body = "Hello {{ contact.first_name }}"


class SavedViewFactory(TenantOwnedFactory):
    class Meta:
        model = SavedView

    name = factory.Sequence(lambda n: f"View {n}")
    owner = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    team = factory.SubFactory(TeamFactory, tenant=factory.SelfAttribute("..tenant"))


class DraftFactory(TenantOwnedFactory):
    class Meta:
        model = Draft

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    body = "half a reply"


class NotificationFactory(TenantOwnedFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    actor = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = Notification.Kind.ASSIGNED


class NotificationSettingFactory(TenantOwnedFactory):
    class Meta:
        model = NotificationSetting

    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))


# --- Channels ------------------------------------------------------------------------------------------------------


class SupportAddressFactory(TenantOwnedFactory):
    class Meta:
        model = SupportAddress
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"support{n}@help.example.com")
    name = "Support"

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Claim the address for its tenant, verified unless `verified=False` (the platform's claims table)."""
        if create:
            AddressClaim.objects.update_or_create(
                email=obj.email,
                defaults={"tenant_id": obj.tenant_id, "verified_at": None if extracted is False else timezone.now()},
            )


class MailSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = MailSettings


class ImapMailboxFactory(TenantOwnedFactory):
    class Meta:
        model = ImapMailbox

    host = "imap.example.com"
    username = factory.Sequence(lambda n: f"inbox{n}@example.com")
    password = "secret"


class InboundEmailFactory(TenantOwnedFactory):
    class Meta:
        model = InboundEmail

    source = InboundEmail.Source.HTTP
    email_message_id = factory.Sequence(lambda n: f"inbound-{n}@mail.example.net")
    from_address = "someone@example.net"
    subject = "Help"
    raw = factory.django.FileField(filename="message.eml", data=b"Subject: Help\r\n\r\nHello\r\n")


class OutboundEmailFactory(TenantOwnedFactory):
    class Meta:
        model = OutboundEmail

    kind = OutboundEmail.Kind.REPLY
    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    to_address = "customer@example.net"
    subject = "Re: Help"
    body_text = "Hello"
    email_message_id = factory.Sequence(lambda n: f"outbound-{n}@tessera.test")


class EmailTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = EmailTemplate
        django_get_or_create = ["tenant", "kind"]

    kind = OutboundEmail.Kind.ACKNOWLEDGEMENT
    subject = "We got your request"
    body_text = "Thanks"


class PortalSignInTokenFactory(TenantOwnedFactory):
    class Meta:
        model = PortalSignInToken

    email = "customer@example.net"
    token_hash = factory.LazyFunction(lambda: uuid.uuid4().hex * 2)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class SatisfactionRatingFactory(TenantOwnedFactory):
    class Meta:
        model = SatisfactionRating

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    score = 5


class ApiKeyFactory(TenantOwnedFactory):
    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"Key {n}")
    prefix = factory.Sequence(lambda n: f"tsk{n:08d}")
    key_hash = factory.LazyFunction(lambda: uuid.uuid4().hex * 2)


class WebhookFactory(TenantOwnedFactory):
    class Meta:
        model = Webhook

    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    secret = factory.LazyFunction(lambda: uuid.uuid4().hex)
    events = factory.LazyFunction(lambda: ["ticket.created"])


class WebhookDeliveryFactory(TenantOwnedFactory):
    class Meta:
        model = WebhookDelivery

    webhook = factory.SubFactory(WebhookFactory, tenant=factory.SelfAttribute("..tenant"))
    event = "ticket.created"
    event_id = factory.LazyFunction(uuid.uuid4)
    payload = factory.LazyFunction(lambda: {"event": "ticket.created"})


class FeedEntryFactory(TenantOwnedFactory):
    class Meta:
        model = FeedEntry

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    xact_id = factory.Sequence(lambda n: n + 1)
    event_ids = factory.LazyFunction(list)


class FeedReceiptFactory(TenantOwnedFactory):
    class Meta:
        model = FeedReceipt

    entry = factory.SubFactory(FeedEntryFactory, tenant=factory.SelfAttribute("..tenant"))
    subscriber = "webhooks"


class EscalationTierFactory(TenantOwnedFactory):
    class Meta:
        model = EscalationTier
        django_get_or_create = ["tenant", "level"]

    level = 1
    name = factory.LazyAttribute(lambda o: f"Tier {o.level} support")


class PortalSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = PortalSettings
        django_get_or_create = ["tenant"]

    welcome_text = "Welcome to our help desk."


class CustomFieldFactory(TenantOwnedFactory):
    class Meta:
        model = CustomField

    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    type = CustomField.Type.CHOICE
    choices = factory.LazyFunction(
        lambda: [{"code": "cloud", "label": "Tessera Cloud"}, {"code": "onprem", "label": "Tessera On-Prem"}]
    )


class CustomFieldCategoryFactory(TenantOwnedFactory):
    class Meta:
        model = CustomFieldCategory

    field = factory.SubFactory(CustomFieldFactory, tenant=factory.SelfAttribute("..tenant"))
    category = factory.SubFactory(CategoryFactory, tenant=factory.SelfAttribute("..tenant"))
