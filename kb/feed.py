"""The KB's change-feed subscriber (registered in KbConfig.ready): a request filed from the portal ends the
deflections its browser opened in the day before it.

The portal form notes the browser's digest in the ticket's transaction (kb.tenant_hooks.portal_request_filed,
a kb.models.FiledRequest); this subscriber gets the ticket's creation after commit, decides the browser's open
deflections as filed at the ticket's creation time (so a late delivery counts the same as a prompt one), and
deletes the note. Replayed history (imports, the demo) files nothing from a browser: it is not handed over.
In a drain batch the notes of all its new tickets are read in one query (most portal requests have none).
"""

from __future__ import annotations

from kb.models import FiledRequest
from kb.services.deflection import record_request_filed
from tickets.feed.batching import ChangeBatch
from tickets.feed.registry import Change
from tickets.models import Channel

FEED_SUBSCRIBER = "kb.deflection"


def accepts_change(change: Change) -> bool:
    return any(event.kind == "created" and event.new_value == Channel.WEB for event in change.events)


def handle_change(change: Change) -> None:
    if batch.collect(change):
        return
    _decide({change.ticket_id: [change]})


def _decide(tickets: dict[int, list[Change]]) -> None:
    notes = list(FiledRequest.objects.filter(ticket_id__in=tickets).order_by("pk"))
    for note in notes:  # filed without the KB's cookie (or by another path): no note, nothing to decide
        created = next(
            event for change in tickets[note.ticket_id] for event in change.events if event.kind == "created"
        )
        record_request_filed(browser=note.browser, now=created.created_at)
    if notes:
        FiledRequest.objects.filter(pk__in=[note.pk for note in notes]).delete()


batch = ChangeBatch("kb_deflection_batch", _decide)
