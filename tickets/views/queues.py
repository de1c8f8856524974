"""The queue pages: the views (mine, unassigned, escalated, all) and each queue, filtered, sorted, paginated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from operator import itemgetter
from types import MappingProxyType

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.vary import vary_on_headers

from tenancy.fixed_urls import reversed_once
from tenancy.roles import Role, role_required
from tickets import selectors
from tickets.custom_fields.definitions import active_fields
from tickets.filters import TicketFilter
from tickets.list_controls import bulk_menus, filter_controls
from tickets.models import Channel, Queue, SavedView
from tickets.pagination import paginate
from tickets.picklists import picklists
from tickets.rows import queue_rows, queue_rows_html, truncate
from tickets.search import for_count, reads_every_match, skips_count
from tickets.search_words import common_words_notice, only_common_words
from tickets.services.bulk import MAX_BULK

VIEW_LABELS = {view.slug: view.label for view in selectors.VIEWS}


@role_required(Role.AGENT)
@vary_on_headers("HX-Request")
def ticket_view(request: HttpRequest, view: str = "mine") -> HttpResponse:
    if view not in VIEW_LABELS:
        raise Http404("No such view.")
    tickets = selectors.view_tickets(request.membership, view)
    return _list(request, tickets, title=VIEW_LABELS[view], current=view, base=view)


@role_required(Role.AGENT)
@vary_on_headers("HX-Request")
def queue_view(request: HttpRequest, queue_id: int) -> HttpResponse:
    lists = picklists()  # read once a request: each read is two cache round trips and an unpickling
    queues = lists.visible_queues(request.membership)  # the sidebar lists them too
    queue = next((q for q in queues if q.pk == queue_id), None)
    if queue is None:
        raise Http404("No such queue.")
    tickets = selectors.queue_tickets(request.membership, queue)
    return _list(
        request, tickets, title=queue.name, current=f"queue-{queue.pk}", queue=queue, base=f"queue:{queue.pk}",
        queues=queues, lists=lists,
    )  # fmt: skip


def count_label(count: int) -> str:
    """A sidebar count as shown: "1000+" past the cap (selectors.COUNT_CAP)."""
    return f"{selectors.COUNT_CAP}+" if count > selectors.COUNT_CAP else str(count)


def nav_links(
    counts: dict, *, queues, saved_views, current: str, queue: Queue | None, saved_current: SavedView | None
) -> SafeString:
    """The sidebar's views, queues and saved views with their counts, as the page's markup (every value
    escaped): some twenty links of four variables and two conditions each through the template engine were a
    quarter of the queue page's render (0.9 ms); one format string per link is a tenth of that. The links come
    from list_urls, not one reverse() per link; a count is text ("1000+" past the cap)."""
    urls = list_urls()
    view_url, queue_url, saved_url = urls["view"], urls["queue"], urls["saved_view"]
    views = "".join(
        _nav_link(f"{view_url}{view.slug}/", view.label, counts[view.slug], current == view.slug)
        for view in selectors.VIEWS
    )
    queue_links = "".join(
        _nav_link(f"{queue_url}{q.pk}/", q.name, counts[f"queue-{q.pk}"], queue is not None and queue.pk == q.pk)
        for q in queues
    )
    open_saved = saved_current.pk if saved_current is not None else None
    saved_links = "".join(
        _nav_link(
            f"{saved_url}{v.pk}/", v.name, counts[f"saved-{v.pk}"], open_saved == v.pk,
            team=v.team.name if v.team else None,
        )
        for v in saved_views
    )  # fmt: skip
    parts = [
        views,
        '<p class="sidebar__label sidebar__label--views">Queues</p>' if queues else "",
        queue_links,
        '<p class="sidebar__label sidebar__label--views">Saved views</p>' if saved_views else "",
        saved_links,
        f'<a class="sidebar__manage" href="{escape(urls["saved_views"])}">Manage saved views</a>'
        if saved_views
        else "",
    ]
    return mark_safe("\n      ".join(parts))  # noqa: S308 - every value escaped above


def _nav_link(url: str, name: str, count: int, active: bool, *, team: str | None = None) -> str:
    title = f' title="Shared with {escape(team)}"' if team else ""
    shared = f'<span class="saved-view__team"> · {escape(team)}</span>' if team else ""
    return (
        f'\n      <a class="navlink navlink--view{" is-active" if active else ""}" href="{escape(url)}"{title}'
        f"{ARIA_CURRENT if active else ''}>\n"
        f'        <span class="navlink__name">{escape(name)}{shared}</span>'
        f'<span class="count">{count_label(count)}</span>\n'
        "      </a>\n      "
    )


ARIA_CURRENT = ' aria-current="page"'


@reversed_once
def list_urls() -> Mapping[str, str]:
    """The list page's links and form actions; those of one ticket, view, queue or saved view without the id
    (the page appends it)."""
    # Reversed once per process (per URL conf and prefix, tenancy.fixed_urls): the page's ten reverse() calls
    # and {% url %} tags were 0.3 ms of each request.
    return MappingProxyType(
        {
            "ticket": reverse("desk:ticket", args=[0]).removesuffix("0/"),
            "view": reverse("desk:view", args=["all"]).removesuffix("all/"),
            "queue": reverse("desk:queue", args=[0]).removesuffix("0/"),
            "saved_view": reverse("desk:saved_view", args=[0]).removesuffix("0/"),
            "saved_views": reverse("desk:saved_views"),
            "new_ticket": reverse("desk:new_ticket"),
            "bulk": reverse("desk:bulk"),
            "export_tickets": reverse("desk:export_tickets"),
        }
    )


@dataclass
class ListSource:
    """One of the desk's lists, named by a base ("all", "mine", ... or "queue:<id>")."""

    base: str
    tickets: QuerySet
    title: str
    current: str
    queue: Queue | None
    url: str


def list_source(request: HttpRequest, base: str) -> ListSource:
    """The list a bulk action or saved view starts from; a 404 for an unknown list or a queue not visible."""
    try:
        kind, pk = selectors.parse_base(base)
    except ValueError as unknown:
        raise Http404("No such list.") from unknown
    membership = request.membership
    if kind == "queue":
        queue = get_object_or_404(selectors.visible_queues(membership), pk=pk)
        return ListSource(
            base, selectors.queue_tickets(membership, queue), queue.name, f"queue-{pk}", queue,
            reverse("desk:queue", args=[pk]),
        )  # fmt: skip
    return ListSource(
        base, selectors.view_tickets(membership, base), VIEW_LABELS[base], base, None, reverse("desk:view", args=[base])
    )


def filtered_tickets(request: HttpRequest, tickets: QuerySet, params: QueryDict) -> tuple[TicketFilter, QuerySet, str]:
    """The list as the page shows it: filtered (when the filters are valid) and sorted."""
    filters = TicketFilter(params or None, queryset=tickets, request=request)
    filtered = filters.qs if filters.is_bound and filters.form.is_valid() else tickets
    sort = filters.sort_key if filters.is_bound else "due"
    ordering = filters.ordering if filters.is_bound else selectors.SORTS[sort]
    return filters, filtered.order_by(*ordering), sort


def search_notice(filters: TicketFilter) -> dict:
    """What the list says about the words its search left out as too common (tickets.search_words)."""
    query = filters.form.cleaned_data.get("q", "") if filters.is_bound and filters.form.is_valid() else ""
    return {"search_notice": common_words_notice(query), "search_only_common": only_common_words(query)}


def render_list(request: HttpRequest, source: ListSource, params: QueryDict, extra: dict) -> HttpResponse:
    return _list(
        request, source.tickets, title=source.title, current=source.current, queue=source.queue, base=source.base,
        params=params, extra=extra,
    )  # fmt: skip


def _list(
    request,
    tickets,
    *,
    title: str,
    current: str,
    base: str,
    queue=None,
    params=None,
    extra=None,
    queues=None,
    lists=None,
) -> HttpResponse:
    membership = request.membership
    params = request.GET if params is None else params
    filters, filtered, sort = filtered_tickets(request, tickets, params)
    lists = picklists() if lists is None else lists
    queues = lists.visible_queues(membership) if queues is None else queues
    saved_views = selectors.list_saved_views(membership, lists)
    # After a bulk action the counts changed: count afresh.
    counts = selectors.recent_sidebar_counts(
        membership, queues, saved_views=saved_views, fresh=bool(extra),
        in_teams=bool(lists.member_teams.get(membership.pk)),  # from the lists: no query of its own
    )  # fmt: skip
    counted = for_count(filtered)
    # A walked search is not counted past its page (tickets.search.skips_count): "of many".
    count = None if skips_count(filtered) else lambda: selectors.capped_counts({"total": counted})["total"]
    page = paginate(
        filtered, params.get("page"), count=count,
        cap=selectors.COUNT_CAP, load=selectors.list_row_values, count_in_page=reads_every_match(filtered),
        load_counting=lambda ids: selectors.list_row_values_counting(ids, counted), pk=itemgetter("id"),
    )  # fmt: skip
    query = params.copy()
    query.pop("page", None)
    staff = lists.staff
    saved_current = next((v for v in saved_views if str(v.pk) == params.get("saved")), None)
    if saved_current is not None:
        current, title = f"saved-{saved_current.pk}", saved_current.name
    save_query = query.copy()
    save_query.pop("saved", None)
    is_supervisor = membership.has_role(Role.SUPERVISOR)
    teams = lists.teams
    staff_choices = [("", "Anyone"), *((m.pk, m.display_name) for m in staff)]
    urls = list_urls()
    rows = queue_rows(
        page.rows,
        prefix=request.tenant.ticket_prefix,
        url_prefix=urls["ticket"],  # rows link to <prefix><number>/
        now=timezone.now(),
    )
    filter_choices = {
        "assignee": staff_choices,
        "queue": [("", "Any queue"), *((q.pk, q.name) for q in queues)],
        "team": [("", "Any team"), *((t.pk, t.name) for t in teams)],
        "channel": [("", "Any channel"), *Channel.choices],
        "category": [("", "Any category"), *((c.pk, c.name) for c in lists.categories if not c.parent_id)],
    }
    context = {
        "title": title,
        "current": current,
        "queue": queue,
        "nav_links": nav_links(
            counts, queues=queues, saved_views=saved_views, current=current, queue=queue, saved_current=saved_current
        ),
        "saved_current": saved_current,
        "cap": selectors.COUNT_CAP,
        "filters": filters,
        "sort": sort,
        "page": page,
        "rows": rows,
        "rows_html": queue_rows_html(rows),
        "merge_choices": [(r["pk"], f"{r['ref']} · {truncate(r['subject'], 40)}") for r in rows],
        "query_string": query.urlencode(),
        "save_query": save_query.urlencode(),
        "filtered": filters.is_bound and filters.is_filtered,
        **search_notice(filters),
        "base": base,
        "urls": urls,
        # One staff list for the assignee filter and the bulk "Assign to" menu; the queue and team filters
        # offer the lists the sidebar and the sharing menu show.
        "staff_choices": staff_choices,
        "filter_choices": filter_choices,
        # The sort menu and the filters' grid, kept per process for the same filters and lists; an htmx
        # request swaps the results alone and never shows them.
        "filter_controls": {} if request.htmx else filter_controls(filters, filter_choices),
        "share_teams": teams if is_supervisor else [],
        "bulk_max": MAX_BULK,
        # The bulk bar's menus of the tenant's lists (its custom fields' "set field" menus too), kept per process.
        "bulk_menus": bulk_menus(staff_choices, filter_choices["queue"], active_fields()) if rows else {},
        **(extra or {}),
    }
    if request.htmx:
        html = render_to_string("tickets/queue.html#results", context, request=request)
        if extra:  # after a bulk action, the counts in the views list changed too
            html += render_to_string("tickets/queue.html#nav", {**context, "oob": True}, request=request)
        return HttpResponse(html)
    return render(request, "tickets/queue.html", context)
