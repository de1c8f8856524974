"""Satisfaction: the signed one-click rating link of a resolved ticket, and the rating itself.

The link carries the tenant, ticket and contact ids signed with a salt of its own and expires after
RATING_LINK_DAYS, so the rating page needs no sign-in and a link cannot be edited to rate someone else's
ticket. Rating again replaces the score; every rating leaves a "rated" event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import transaction

from tickets import clock
from tickets.lifecycle import Status
from tickets.models import Contact, SatisfactionRating, Ticket
from tickets.services.common import lock
from tickets.services.events import ServiceError, record_event

RATING_SALT = "tickets.satisfaction.rating-link"
RATING_LINK_DAYS = 30
SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT = 5_000
RATEABLE = (Status.RESOLVED, Status.CLOSED)


class InvalidRatingLink(ServiceError):
    """A rating link that was tampered with, has expired, or belongs to another help desk."""


@dataclass(frozen=True)
class RatingLink:
    tenant_id: int
    ticket_id: int
    contact_id: int


def rating_token(*, ticket: Ticket, contact: Contact | None = None) -> str:
    contact_id = contact.pk if contact is not None else ticket.contact_id
    return signing.dumps({"tn": ticket.tenant_id, "t": ticket.pk, "c": contact_id}, salt=RATING_SALT, compress=True)


def rating_link(*, ticket: Ticket, score: int | None = None) -> str:
    """The absolute URL, on the tenant's own host, of the rating page of `ticket` for its requester (with
    `score` preselected when given: one link per star in the resolution mail)."""
    if score is not None and score not in SCORES:
        raise ServiceError("A score is a whole number from 1 to 5.")
    query = f"score={score}" if score is not None else ""
    return ticket.tenant.url_for("portal:rate", rating_token(ticket=ticket), query=query)


def read_rating_token(token: str, *, tenant_id: int) -> RatingLink:
    """The ids a rating token carries, if it is genuine, unexpired and of this tenant; else InvalidRatingLink."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_LINK_DAYS * 24 * 3600)
    except signing.SignatureExpired as expired:
        raise InvalidRatingLink("This rating link has expired.") from expired
    except signing.BadSignature as bad:
        raise InvalidRatingLink("This rating link is not valid.") from bad
    try:
        link = RatingLink(tenant_id=int(data["tn"]), ticket_id=int(data["t"]), contact_id=int(data["c"]))
    except (KeyError, TypeError, ValueError) as bad:
        raise InvalidRatingLink("This rating link is not valid.") from bad
    if link.tenant_id != tenant_id:
        raise InvalidRatingLink("This rating link is not valid.")
    return link


def rate_ticket(*, ticket: Ticket, contact: Contact, score: int, comment: str = "") -> SatisfactionRating:
    """Record the requester's rating (1 to 5) of a resolved or closed ticket; rating again replaces it. The
    "rated" event keeps every score given, so the trail shows a change of mind."""
    if score not in SCORES:
        raise ServiceError("Choose a score from 1 to 5.")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ServiceError(f"Keep the comment under {MAX_COMMENT:,} characters.")
    with transaction.atomic():
        ticket = lock(ticket)
        if ticket.contact_id != contact.pk:
            raise ServiceError("Only the person who asked can rate this request.")
        if ticket.status not in RATEABLE:
            raise ServiceError("You can rate a request once it is resolved.")
        now = clock.now()
        rating, created = SatisfactionRating.objects.select_for_update().get_or_create(
            ticket=ticket,
            defaults={"contact": contact, "score": score, "comment": comment, "created_at": now, "updated_at": now},
        )
        old = None
        if not created:
            old = rating.score
            rating.contact, rating.score, rating.comment, rating.updated_at = contact, score, comment, now
            rating.save(update_fields=["contact", "score", "comment", "updated_at"])
        record_event(ticket, actor=contact, kind="rated", field="score", old=old, new=score, at=now)
    return rating
