"""The queue pages: the views (mine, unassigned, escalated, all) and each queue, filtered, sorted, paginated."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from tenancy.roles import Role, role_required
from tickets import selectors
from tickets.filters import TicketFilter
from tickets.pagination import paginate

VIEW_LABELS = {view.slug: view.label for view in selectors.VIEWS}


@role_required(Role.AGENT)
@vary_on_headers("HX-Request")
def ticket_view(request: HttpRequest, view: str = "mine") -> HttpResponse:
    if view not in VIEW_LABELS:
        raise Http404("No such view.")
    tickets = selectors.view_tickets(request.membership, view)
    return _list(request, tickets, title=VIEW_LABELS[view], current=view)


@role_required(Role.AGENT)
@vary_on_headers("HX-Request")
def queue_view(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = get_object_or_404(selectors.visible_queues(request.membership), pk=queue_id)
    tickets = selectors.queue_tickets(request.membership, queue)
    return _list(request, tickets, title=queue.name, current=f"queue-{queue.pk}", queue=queue)


def _list(request, tickets, *, title: str, current: str, queue=None) -> HttpResponse:
    membership = request.membership
    filters = TicketFilter(request.GET or None, queryset=tickets, request=request)
    filtered = filters.qs if filters.is_bound and filters.form.is_valid() else tickets
    sort = filters.sort_key if filters.is_bound else "due"
    filtered = selectors.with_list_columns(filtered).order_by(*selectors.SORTS[sort])
    queues = list(selectors.visible_queues(membership))
    counts = selectors.sidebar_counts(membership, queues, also={"total": filtered})
    page = paginate(filtered, request.GET.get("page"), count=counts["total"], cap=selectors.COUNT_CAP)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": title,
        "current": current,
        "queue": queue,
        "nav_views": [(view, counts[view.slug]) for view in selectors.VIEWS],
        "nav_queues": [(q, counts[f"queue-{q.pk}"]) for q in queues],
        "cap": selectors.COUNT_CAP,
        "filters": filters,
        "sort": sort,
        "page": page,
        "query_string": query.urlencode(),
        "filtered": filters.is_bound and filters.is_filtered,
    }
    template = "tickets/queue.html#results" if request.htmx else "tickets/queue.html"
    return render(request, template, context)
