"""The KB's change-feed subscriber (registered in KbConfig.ready): a request filed from the portal ends the
deflections its browser opened in the day before it.

The portal form notes the browser's digest in the ticket's transaction (kb.tenant_hooks.portal_request_filed,
a kb.models.FiledRequest); this subscriber gets the ticket's creation after commit, decides the browser's open
deflections as filed at the ticket's creation time (so a late delivery counts the same as a prompt one), and
deletes the note. Replayed history (imports, the demo) files nothing from a browser: it is not handed over.
"""

from __future__ import annotations

from kb.models import FiledRequest
from kb.services.deflection import record_request_filed
from tickets.feed.registry import Change
from tickets.models import Channel

FEED_SUBSCRIBER = "kb.deflection"


def accepts_change(change: Change) -> bool:
    return any(event.kind == "created" and event.new_value == Channel.WEB for event in change.events)


def handle_change(change: Change) -> None:
    note = FiledRequest.objects.filter(ticket_id=change.ticket_id).first()
    if note is None:
        return  # filed without the KB's cookie (or by another path): nothing to decide
    created = next(event for event in change.events if event.kind == "created")
    record_request_filed(browser=note.browser, now=created.created_at)
    note.delete()
