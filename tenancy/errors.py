"""The refusal every service raises: its message is written for the person who tried the change."""

from __future__ import annotations


class ServiceError(ValueError):
    """A refused change; views show the message, the API answers 400 with it. Apps subclass it
    (tickets.errors.TicketError is this class under the name tickets has always used)."""
