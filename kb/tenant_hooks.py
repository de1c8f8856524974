"""What the KB hooks into below it (see tenancy/hooks.py): the portal form's filed request, for deflection."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest

from kb.browser import browser_digest, has_browser, is_bot
from kb.models import FiledRequest
from tickets.models import Ticket

logger = logging.getLogger(__name__)


def portal_request_filed(*, request: HttpRequest, ticket: Ticket) -> None:
    """The portal form (tickets.views.portal.submit_request) filed `ticket` for this browser: if the browser carries
    the KB's cookie, note its digest for the feed subscriber (kb.feed), in the ticket's own transaction, so the
    note commits with the ticket or not at all. A failure here is logged, never shown: the request was filed."""
    if not has_browser(request) or is_bot(request):
        return
    try:
        with transaction.atomic():
            FiledRequest.objects.get_or_create(
                ticket=ticket, defaults={"browser": browser_digest(request, tenant_id=ticket.tenant_id)}
            )
    except Exception:
        logger.exception("Could not note a filed request for deflection counting")
