"""The ticket page's messages, rendered once and kept in the cache, with the parts that change filled in per view.

A message is append-only and its body is sanitised HTML stored once, but its rendered form also shows things
that change: when it was written relative to now, the fate of the mail it went out as, and names that can be
edited or erased. So the cached fragment leaves a mark for the time (tenancy's `when`, relative to now), which
each view fills in; and it is stored with everything else it shows that comes from outside the message (the
author's name and initial, classes, merged-from label, channel, the original mail's id, the files, the mail's
status with the viewer's zone and whether they are an admin): a fragment whose inputs differ is rendered afresh
and replaces the entry, so a rename or a mail that went out shows at once. A save or delete of a message drops
its entry, and so does renaming (or erasing) the contact who wrote it, so an erased name does not stay in the
cache (connect()); a change that bypasses signals (QuerySet.update, an erasure done in bulk) calls forget(). Entries
live SECONDS at most: Redis is shared with the broker, and a missing message renders in a fraction of a ms.

One entry per message (`ticket-message:<version>:<id>`; tenancy.cache puts the tenant in every key), read with
one get_many and written with one set_many per page. The page reads its messages without their bodies
(get_timeline(bodies=False)); the bodies of the messages rendered afresh come in one query, on a miss only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from tenancy.context import current_tenant_id, require_tenant_id, tenant_context
from tenancy.templatetags.moments import when
from tickets.models import Contact, Message

SECONDS = 30 * 60
# Bump when tickets/_timeline_message.html or what present_timeline sets on a message changes shape.
VERSION = 1
TIME_MARK = mark_safe("<!--tessera:when-->")
TEMPLATE = "tickets/_timeline_message.html"
NAME_FIELDS = {"name", "email"}  # what a message's author line shows of a contact (display_name)


def key(message_id: int) -> str:
    return f"ticket-message:{VERSION}:{message_id}"


def inputs(message: Message, *, viewer_is_admin: bool) -> tuple:
    """What the fragment shows that does not come from the message row itself (as present_timeline set it), and
    what of the viewer it depends on: the mail's status line (its time in the viewer's zone, a link for admins)."""
    files = tuple((a.pk, a.filename, a.size) for a in getattr(message, "files", None) or ())
    mail = getattr(message, "outbound", None)
    mail_state = None
    if mail is not None:
        mail_state = (mail.status, mail.attempts, mail.last_error, mail.sent_at, mail.to_address, mail.kind)
        mail_state += (timezone.get_current_timezone_name(), viewer_is_admin)
    return (
        message.author_name,
        message.initial,
        message.css,
        message.merged_from,
        message.channel_label,
        getattr(message, "inbound_email_id", None),
        mail_state,
        files,
        body_size(message),
    )


def body_size(message: Message) -> int:
    """The body's size in bytes: as get_timeline(bodies=False) read it (the body itself not loaded), else
    measured here (the database's octet_length of the same UTF-8 text)."""
    size = getattr(message, "body_size", None)
    return len(message.body_html.encode()) if size is None else size


def _load_bodies(messages: list[Message]) -> None:
    """Give the messages whose body was not loaded their body, in one query for all of them (a deferred field
    would load itself with a query per message)."""
    wanted = {m.pk: m for m in messages if "body_html" in m.get_deferred_fields()}
    if wanted:
        for pk, body in Message.objects.filter(pk__in=wanted).values_list("pk", "body_html"):
            wanted[pk].body_html = body


def render_messages(messages: Iterable[Message], *, request=None, time_mark: str | None = None) -> None:
    """Set `fragment` (safe HTML of the whole timeline item) on each message present_timeline prepared; with
    `time_mark`, its time is left as that mark (tickets.timeline_html fills the times in at each view)."""
    messages = list(messages)
    if not messages:
        return
    stored = cache.get_many([key(m.pk) for m in messages])
    membership = getattr(request, "membership", None)
    is_admin = membership is not None and membership.role == "admin"  # as tickets/_mail_status.html asks
    wanted = {message.pk: inputs(message, viewer_is_admin=is_admin) for message in messages}
    html = {}
    for message in messages:
        entry = stored.get(key(message.pk))
        if entry is not None and entry[0] == wanted[message.pk]:
            html[message.pk] = entry[1]
    missing = [message for message in messages if message.pk not in html]
    fresh = {}
    if missing:
        _load_bodies(missing)
        template = get_template(TEMPLATE)
        for message in missing:
            # The request as a plain variable: render(request=) would run every context processor per message.
            html[message.pk] = template.render({"m": message, "time_mark": TIME_MARK, "request": request})
            fresh[key(message.pk)] = (wanted[message.pk], html[message.pk])
    for message in messages:
        # The mark comes before the body, so replacing the first one never touches the body.
        moment = time_mark if time_mark is not None else when(message.created_at)
        message.fragment = mark_safe(html[message.pk].replace(TIME_MARK, moment, 1))  # noqa: S308
    if fresh:
        cache.set_many(fresh, SECONDS)


def forget(message_ids: Iterable[int]) -> None:
    """Drop the cached fragments of these messages (after an erasure or any change that bypasses signals), and
    the tenant's cached timelines that show them (tickets.timeline_html: which tickets they are is not known here)."""
    from tickets import timeline_html  # it renders through this module

    if _drop(message_ids):
        timeline_html.forget_tenant(require_tenant_id())


def _drop(message_ids: Iterable[int]) -> bool:
    # The signals' path: tickets.timeline_html hears of the same saves and drops only the ticket's timelines.
    keys = [key(pk) for pk in message_ids]
    if keys:
        cache.delete_many(keys)
    return bool(keys)


def _message_changed(sender, instance, created=False, **kwargs) -> None:
    if not created:  # a new message has nothing cached yet (and intake should not pay a cache round trip)
        _drop([instance.pk])


def _contact_renamed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    # A contact is erased by overwriting its name and address (its messages keep it: the key PROTECTs it). The
    # inputs would catch the new name at the next view, but the old one must not wait in the cache until then.
    if created or (update_fields is not None and not NAME_FIELDS & set(update_fields)):
        return
    # In the contact's tenant, whatever the scope of the code that saved it (the cache keys carry the tenant too).
    scope = (
        contextlib.nullcontext() if current_tenant_id() == instance.tenant_id else tenant_context(instance.tenant_id)
    )
    with scope:
        _drop(Message.objects.filter(author_contact_id=instance.pk).values_list("pk", flat=True))


def connect() -> None:
    post_save.connect(_message_changed, sender=Message, dispatch_uid="message_fragments.save")
    post_delete.connect(_message_changed, sender=Message, dispatch_uid="message_fragments.delete")
    post_save.connect(_contact_renamed, sender=Contact, dispatch_uid="message_fragments.contact_save")
