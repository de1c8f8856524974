"""What keeps a ticket's search vector: its subject's words (weight A) and its messages' (weight B).

No text copy of the conversation is kept on the ticket (it was a third of the database at a million tickets).
The trigger `tickets_ticket_search_vector` (migration 0018) writes the subject's words in front of whatever
weight-B words the row holds, on every INSERT and every UPDATE of the subject; the services append each new
message's words in the same UPDATE that saves the ticket (`append_words`), and a merge appends the merged
ticket's words (`merge_words`). The vector's positions are capped by PostgreSQL (16,383) and its size at 1 MB:
words stop being added once a ticket's vector passes MAX_VECTOR_BYTES (a conversation of hundreds of pages;
its first pages stay searchable). Words are read with the `tessera_search` configuration: English stop words left
out (tickets.search_words). A second trigger, `ticket_search_vector_pairs` (migration 0025), then rewrites the
vector's tokens for adjacent common words on every INSERT and every UPDATE of the subject or the vector, so the
appends and merges here carry them without a word of their own (tickets.search_pairs). SQLite (the demo) keeps no
vector: its search reads the messages.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import connection
from django.db.models import Expression

from tickets.models import Ticket
from tickets.search_words import SEARCH_CONFIG

# Text of one message indexed at most (the words beyond stay readable, not searchable).
MAX_INDEXED_CHARS = 100_000
# Stop appending past this stored size (pg_column_size, possibly compressed): far below the 1 MB limit.
MAX_VECTOR_BYTES = 256 * 1024


class _VectorSQL(Expression):
    """A fixed SQL template around parameters, typed as a tsvector."""

    output_field = SearchVectorField()

    def __init__(self, template: str, params: list):
        super().__init__()
        self.template, self.params = template, params

    def as_sql(self, compiler, connection):
        return self.template, list(self.params)


def body_words(text: str) -> Expression:
    """The words of a new ticket's first message, for its INSERT (the trigger puts the subject's in front)."""
    return _VectorSQL("setweight(to_tsvector(%s::regconfig, %s), 'B')", [SEARCH_CONFIG, text[:MAX_INDEXED_CHARS]])


def append_words(ticket: Ticket, text: str) -> list[str]:
    """Queue `text`'s words onto the ticket's vector for its next save; the field names to save with it."""
    if connection.vendor != "postgresql":
        return []
    ticket.search_vector = _VectorSQL(
        "CASE WHEN pg_column_size(search_vector) > %s THEN search_vector ELSE "
        "COALESCE(search_vector, ''::tsvector) || setweight(to_tsvector(%s::regconfig, %s), 'B') END",
        [MAX_VECTOR_BYTES, SEARCH_CONFIG, text[:MAX_INDEXED_CHARS]],
    )
    return ["search_vector"]


def merge_words(target: Ticket, source: Ticket) -> list[str]:
    """Queue the merged ticket's words (its subject's too, as weight B) onto the target's vector."""
    if connection.vendor != "postgresql":
        return []
    target.search_vector = _VectorSQL(
        "CASE WHEN pg_column_size(search_vector) > %s THEN search_vector ELSE "
        "COALESCE(search_vector, ''::tsvector) || setweight(COALESCE("
        "(SELECT merged.search_vector FROM tickets_ticket AS merged WHERE merged.id = %s), ''::tsvector), 'B') END",
        [MAX_VECTOR_BYTES, source.pk],
    )
    return ["search_vector"]


def forget_vector(ticket: Ticket) -> None:
    """After the save: the instance holds no expression (a later save must not append the words again); the
    field is deferred again, so a plain save() leaves the column alone."""
    ticket.__dict__.pop("search_vector", None)


def create_values(text: str) -> dict:
    """The search_vector value for Ticket.objects.create (PostgreSQL), else nothing."""
    return {"search_vector": body_words(text)} if connection.vendor == "postgresql" else {}


__all__ = ["append_words", "body_words", "create_values", "forget_vector", "merge_words"]
