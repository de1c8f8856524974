from tickets.models.channels import (
    ApiKey,
    EmailTemplate,
    ImapMailbox,
    InboundEmail,
    MailSettings,
    OutboundEmail,
    PortalSignInToken,
    SatisfactionRating,
    SupportAddress,
    Webhook,
    WebhookDelivery,
)
from tickets.models.contacts import Contact, Organisation
from tickets.models.custom_fields import CustomField, CustomFieldCategory
from tickets.models.desk import Category, Channel, Priority, Queue, Tag, Team, TeamMembership
from tickets.models.feed import FeedEntry, FeedReceipt
from tickets.models.history import Attachment, Message, TicketEvent
from tickets.models.structure import EscalationTier, PortalSettings
from tickets.models.ticket import (
    MAX_ESCALATION_LEVEL,
    NOT_ESCALATED,
    Ticket,
    TicketLink,
    TicketParticipant,
    TicketQuerySet,
    TicketTag,
)
from tickets.models.workspace import CannedResponse, Draft, Notification, NotificationSetting, SavedView

__all__ = [
    "MAX_ESCALATION_LEVEL",
    "NOT_ESCALATED",
    "ApiKey",
    "Attachment",
    "CannedResponse",
    "Category",
    "Channel",
    "Contact",
    "CustomField",
    "CustomFieldCategory",
    "Draft",
    "EmailTemplate",
    "EscalationTier",
    "FeedEntry",
    "FeedReceipt",
    "ImapMailbox",
    "InboundEmail",
    "MailSettings",
    "Message",
    "Notification",
    "NotificationSetting",
    "Organisation",
    "OutboundEmail",
    "PortalSettings",
    "PortalSignInToken",
    "Priority",
    "Queue",
    "SatisfactionRating",
    "SavedView",
    "SupportAddress",
    "Tag",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketParticipant",
    "TicketQuerySet",
    "TicketTag",
    "Webhook",
    "WebhookDelivery",
]
