import factory

from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory
from tickets.models import (
    Attachment,
    CannedResponse,
    Category,
    Contact,
    Draft,
    Message,
    Notification,
    NotificationSetting,
    Organisation,
    Queue,
    SavedView,
    Tag,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketParticipant,
    TicketTag,
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
    description = factory.Faker("paragraph")
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
    body_text = factory.Faker("paragraph")
    body_html = factory.LazyAttribute(lambda o: f"<p>{o.body_text}</p>")


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
