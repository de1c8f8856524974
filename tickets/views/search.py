"""The desk's one search box (in the layout's header): a reference opens its ticket, anything else lists the
tickets, contacts and organisations it finds; the view filters narrow the tickets down as a second step."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tenancy.roles import Role, role_required
from tickets.rows import queue_rows
from tickets.search import MAX_QUERY
from tickets.search_words import common_words_notice, only_common_words
from tickets.selectors import COUNT_CAP
from tickets.selectors.search import find_reference, search_desk


@role_required(Role.AGENT)
@require_GET
def desk_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    prefix = request.tenant.ticket_prefix
    ticket = find_reference(request.membership, query, prefix=prefix)
    if ticket is not None:
        return redirect("desk:ticket", number=ticket.number)
    found = search_desk(request.membership, query, prefix=prefix)
    all_tickets = reverse("desk:view", args=["all"])
    refine = QueryDict(mutable=True)
    refine.update({"q": found.query, "sort": "updated"})
    context = {
        "title": f"Search: {found.query}" if found.query else "Search",
        "found": found,
        "too_long": len(query) > MAX_QUERY,
        "common_notice": common_words_notice(found.query),
        "only_common": only_common_words(found.query),
        "rows": queue_rows(
            found.tickets,
            prefix=prefix,
            url_prefix=reverse("desk:ticket", args=[0]).removesuffix("0/"),
            now=timezone.now(),
        ),
        "cap": COUNT_CAP,
        "refine_url": f"{all_tickets}?{refine.urlencode()}",
        "all_tickets_url": all_tickets,
    }
    return render(request, "tickets/search.html", context)
