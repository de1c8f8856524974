class TicketError(ValueError):
    """A refused change to a ticket; the message is written for the person who tried it."""
