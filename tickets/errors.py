from tenancy.errors import ServiceError

# A refused change to a ticket; the message is written for the person who tried it. One class with tenancy's
# ServiceError, so a refusal from tenancy's role checks and one from a ticket service are caught the same way.
TicketError = ServiceError
