"""The API's endpoints. Each: key check (authentication and permission classes), selector, serializer to validate,
service to change, serializer to answer. Reads of tickets start from tickets.selectors.visible_tickets."""

from tickets.api.views.directory import (
    CategoryList,
    ContactDetail,
    ContactFilter,
    ContactList,
    CustomFieldList,
    OrganisationDetail,
    OrganisationList,
    QueueList,
)
from tickets.api.views.gating import KeyGated, no_such_endpoint
from tickets.api.views.tickets_endpoints import (
    TICKET_ORDERINGS,
    ApiTicketFilter,
    TicketDetail,
    TicketList,
    TicketMessages,
    api_tickets,
    apply_ticket_changes,
    ticket_or_404,
)

__all__ = [
    "TICKET_ORDERINGS",
    "ApiTicketFilter",
    "CategoryList",
    "ContactDetail",
    "ContactFilter",
    "ContactList",
    "CustomFieldList",
    "KeyGated",
    "OrganisationDetail",
    "OrganisationList",
    "QueueList",
    "TicketDetail",
    "TicketList",
    "TicketMessages",
    "api_tickets",
    "apply_ticket_changes",
    "no_such_endpoint",
    "ticket_or_404",
]
