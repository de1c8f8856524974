"""The ticket page's timeline as one cached chunk of HTML, its times filled in per view.

With every message's fragment cached (tickets.message_fragments), a view of a fifty-message ticket still spent
a third of its CPU reading the messages, events and mails and putting the timeline together. The timeline is
append-only, but what it shows also changes without a new event: names (a rename, an erasure), a mail's fate,
a message or file changed by hand, the viewer's zone and role. So the chunk is kept per ticket and viewer
variant (zone, language, admin or not: the mail status lines differ) and stored with a stamp of everything
it was made from; a view whose stamp differs renders afresh and replaces it:

- the ticket's newest event id (get_ticket(page=True) reads it): every message, reply or change writes one;
- the tenant's picklists and custom-field versions (staff, queues, categories, tiers, field labels);
- a per-tenant generation, renewed when a contact's name or address changes (erasure overwrites them), a tag
  is saved or deleted (connect()), or message_fragments.forget() is told of a change that skipped signals;
- a per-ticket generation, renewed when one of its messages, files or mails changes (connect(), and
  forget_ticket() where a write skips signals: the mail delivery's QuerySet.update).

The relative times ("5 min ago") are never cached: the chunk is stored cut inside each <time> (its opening tag,
which holds the exact time in the variant's zone, is kept), with the moments, and each view writes the labels
as tenancy's `when` would. A timeline that names other tickets (merged messages, link
events) depends on what the viewer may open: it is not kept. Entries live SECONDS at most (Redis is shared
with the broker) and tenancy.cache puts the tenant in every key, so no other tenant can read one.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from html import escape as escape_text

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tenancy import times
from tenancy.context import current_tenant_id, tenant_context
from tickets import message_fragments
from tickets.custom_fields.definitions import DEFINITIONS
from tickets.models import Attachment, Contact, Message, OutboundEmail, Tag, Ticket
from tickets.picklists import LISTS
from tickets.timeline import LOOKUPS

SECONDS = 10 * 60
# Bump when tickets/_timeline.html, the templates it includes or present_timeline change what they show.
VERSION = 2
TEMPLATE = "tickets/_timeline.html"
NAME_FIELDS = {"name", "email"}  # what the timeline shows of a contact (display_name)
TICKET_FIELDS = {field for field, model in LOOKUPS.items() if model is Ticket}


def key(ticket_id: int, *, is_admin: bool) -> str:
    """The entry of this ticket for the viewer variant in effect (zone, language) and role."""
    zone = timezone.get_current_timezone_name()
    return f"ticket-timeline:{VERSION}:{ticket_id}:{zone}:{translation.get_language()}:{int(is_admin)}"


def _ticket_generation_key(ticket_id: int) -> str:
    return f"ticket-timeline-gen:{ticket_id}"


TENANT_GENERATION_KEY = "ticket-timeline-tenant"


class Timeline:
    """One view's lookup: `html` from the cache (None on a miss); `store()` after rendering a miss."""

    def __init__(self, ticket: Ticket, *, is_admin: bool) -> None:
        self.ticket, self.key = ticket, key(ticket.pk, is_admin=is_admin)
        tenant_id = ticket.tenant_id
        LISTS.get(), DEFINITIONS.get()  # (read once per request anyway) so that their versions exist
        keys = [
            self.key,
            _ticket_generation_key(ticket.pk),
            TENANT_GENERATION_KEY,
            LISTS.version_key(tenant_id),
            DEFINITIONS.version_key(tenant_id),
        ]
        found = cache.get_many(keys)
        self.stamp = (
            getattr(ticket, "newest_event_id", None),
            ticket.contact_id,
            *(found.get(k) for k in keys[1:]),
        )
        entry = found.get(self.key)
        self.html = _join(*entry[1:]) if entry is not None and entry[0] == self.stamp else None

    def render(self, entries: list, *, request) -> SafeString:
        """The timeline of present_timeline's `entries` (their messages' fragments cut at the time mark), stored
        for the next views when it is the same for every viewer of this variant."""
        mark = mark_safe(f"<!--tessera:time:{secrets.token_hex(16)}-->")  # noqa: S308 - no message body can hold it
        message_fragments.render_messages(
            (e.message for e in entries if e.message is not None), request=request, time_mark=mark
        )
        html = get_template(TEMPLATE).render({"timeline": entries, "time_mark": mark, "request": request})
        moments = tuple(_moment(entry) for entry in entries)
        parts = _with_openings(tuple(html.split(mark)), moments)
        # Without its event id or the lists' versions (the cache keeps nothing) a stamp would not tell a change.
        known = self.stamp[0] is not None and None not in self.stamp[4:]
        if known and not _names_other_tickets(entries, self.ticket):
            cache.set(self.key, (self.stamp, parts, moments), SECONDS)
        return _join(parts, moments)


def _moment(entry):
    if entry.message is not None:
        return entry.message.created_at
    if entry.mail is not None:
        return entry.mail.created_at
    return entry.event.created_at


def _with_openings(parts: tuple[str, ...], moments: tuple) -> tuple[str, ...]:
    """The chunk's parts, each followed by the opening <time> tag of the moment after it: the instant and its exact
    time in the variant's zone are stored with the chunk, and a view writes only the relative labels."""
    if len(parts) != len(moments) + 1:  # a template that does not write one time per entry
        raise ValueError(f"{TEMPLATE} wrote {len(parts) - 1} times for {len(moments)} entries")
    openings = (times.time_open(m) if isinstance(m, datetime) else "" for m in moments)
    return (*(part + opening for part, opening in zip(parts, openings, strict=False)), parts[-1])


def _join(parts: tuple[str, ...], moments: tuple) -> SafeString:
    # What `when` writes after each opening (56 full `when` calls were 0.9 ms of a fifty-message ticket's view).
    now = timezone.now()
    out = [parts[0]]
    for moment, part in zip(moments, parts[1:], strict=True):
        if isinstance(moment, datetime):
            # The standard library's escape: Django's (the same, lazy-aware) was a fifth of this loop.
            out.append(escape_text(times.relative_label(moment, now)))
            out.append("</time>")
        out.append(part)
    return mark_safe("".join(out))  # noqa: S308 - rendered by the template engine, cut at our marks


def _names_other_tickets(entries: list, ticket: Ticket) -> bool:
    """Whether the timeline shows another ticket (named or as "a ticket you cannot open"): that is the viewer's."""
    for entry in entries:
        if entry.message is not None and entry.message.ticket_id != ticket.pk:
            return True
        if entry.event is not None and entry.event.field in TICKET_FIELDS:
            return True
    return False


# --- What changes them ---------------------------------------------------------------------------------------------


def _renew(key: str, tenant_id: int) -> None:
    # In the row's tenant, whatever the scope of the code that changed it (cache keys carry the tenant).
    if current_tenant_id() == tenant_id:
        cache.set(key, time.time_ns(), SECONDS * 2)
    else:
        with tenant_context(tenant_id):
            cache.set(key, time.time_ns(), SECONDS * 2)


def _renew_now_and_on_commit(key: str, tenant_id: int) -> None:
    # Now, so the request that made the change shows it; again on commit, so a view that read the old rows
    # meanwhile does not keep them. A generation lives longer than any chunk made under it, so a chunk stored
    # before a renewal can never meet its generation again.
    _renew(key, tenant_id)
    transaction.on_commit(lambda: _renew(key, tenant_id))


def forget_ticket(*, ticket_id: int | None, tenant_id: int) -> None:
    """The ticket's messages, files or mails changed: its cached timelines are not shown again."""
    if ticket_id is not None:
        _renew_now_and_on_commit(_ticket_generation_key(ticket_id), tenant_id)


def forget_tenant(tenant_id: int) -> None:
    """Something any of the tenant's timelines may show changed (a contact's name, a tag, rows rewritten in bulk):
    none of them is shown again."""
    _renew_now_and_on_commit(TENANT_GENERATION_KEY, tenant_id)


def _ticket_row_changed(sender, instance, created=False, opening=False, **kwargs) -> None:
    if sender is Message and created:  # a new message writes an event too: the newest event id tells
        return
    if opening:  # written with its ticket (tickets.services.opening): nothing of that ticket was cached before
        return
    if created:
        # A new file or mail: no view can have read it before its transaction commits, so renewing then is
        # enough (intake, which writes an acknowledgement with each new ticket, pays one cache write, not two).
        if instance.ticket_id is not None:
            key, tenant_id = _ticket_generation_key(instance.ticket_id), instance.tenant_id
            transaction.on_commit(lambda: _renew(key, tenant_id))
        return
    forget_ticket(ticket_id=instance.ticket_id, tenant_id=instance.tenant_id)


def _contact_changed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and not NAME_FIELDS & set(update_fields)):
        return
    forget_tenant(instance.tenant_id)


def _tag_changed(sender, instance, created=False, **kwargs) -> None:
    if not created:
        forget_tenant(instance.tenant_id)


def connect() -> None:
    for model in (Message, Attachment, OutboundEmail):
        post_save.connect(_ticket_row_changed, sender=model, dispatch_uid=f"timeline_html.{model.__name__}.save")
        post_delete.connect(_ticket_row_changed, sender=model, dispatch_uid=f"timeline_html.{model.__name__}.delete")
    post_save.connect(_contact_changed, sender=Contact, dispatch_uid="timeline_html.contact_save")
    post_delete.connect(_contact_changed, sender=Contact, dispatch_uid="timeline_html.contact_delete")
    post_save.connect(_tag_changed, sender=Tag, dispatch_uid="timeline_html.tag_save")
    post_delete.connect(_tag_changed, sender=Tag, dispatch_uid="timeline_html.tag_delete")
