"""The only way to change a ticket. Every function validates, writes the change and its audit events in one
transaction; the events are the change feed (tickets.feed) that routing, SLA and webhooks read."""

from tickets.services.assignment import AlreadyClaimed, assign, claim, unassign
from tickets.services.attachments import Upload
from tickets.services.contacts import fill_contact_name, get_or_create_contact
from tickets.services.conversation import add_note, reply
from tickets.services.creation import create_ticket
from tickets.services.events import Automation, ServiceError
from tickets.services.relations import add_participant, link, merge, tag, untag
from tickets.services.updates import NothingToChange, update_ticket
from tickets.services.workflow import categorise, change_priority, change_status, escalate, move_to_queue

__all__ = [
    "AlreadyClaimed",
    "Automation",
    "NothingToChange",
    "ServiceError",
    "Upload",
    "add_note",
    "add_participant",
    "assign",
    "categorise",
    "change_priority",
    "change_status",
    "claim",
    "create_ticket",
    "escalate",
    "fill_contact_name",
    "get_or_create_contact",
    "link",
    "merge",
    "move_to_queue",
    "reply",
    "tag",
    "unassign",
    "untag",
    "update_ticket",
]
