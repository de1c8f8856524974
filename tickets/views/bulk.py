"""Bulk actions from a queue page: the selected rows, or every ticket matching the list and its filters (after a
confirmation when that is more than a page). htmx gets the list back with a per-ticket summary; a plain form
gets the summary as messages and a redirect to the list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenancy.roles import Role, role_required
from tenancy.selectors import list_staff
from tickets import selectors
from tickets.custom_fields.definitions import fields_by_key
from tickets.lifecycle import Status
from tickets.models import Priority
from tickets.pagination import PER_PAGE
from tickets.services.bulk import MAX_BULK, NOT_VISIBLE, BulkError, BulkResult, Outcome, apply_bulk
from tickets.views.common import REFUSED
from tickets.views.queues import ListSource, filtered_tickets, list_source, render_list

# Messages shown after a plain (non-htmx) bulk action; the rest is summarised in one line.
MAX_MESSAGES = 20


class BulkForm(forms.Form):
    base = forms.CharField(max_length=40)
    query = forms.CharField(max_length=2000, required=False)
    do = forms.CharField(max_length=40, required=False)
    scope = forms.ChoiceField(choices=[("", "Selected"), ("matching", "All matching")], required=False)
    confirmed = forms.IntegerField(required=False, min_value=0)
    tags = forms.CharField(max_length=300, required=False)
    merge_target = forms.IntegerField(required=False, min_value=1)


def _selected_ids(request: HttpRequest) -> list[int]:
    ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("ids") if v.isdigit() and 0 < int(v) < 2**31))
    if len(ids) > MAX_BULK:
        raise BulkError(f"A bulk action changes at most {MAX_BULK:,} tickets.")
    return ids


def _action(request: HttpRequest, data: dict) -> tuple[str, dict, str]:
    """The service action, its parameters and its label, from the pressed button's "verb:argument"."""
    verb, _, argument = data["do"].partition(":")
    membership = request.membership
    if verb == "claim":
        return "claim", {}, "Claim"
    if verb == "assign":
        if argument == "none":
            return "assign", {"assignee": None}, "Unassign"
        assignee = list_staff().filter(pk=int(argument)).first() if argument.isdigit() else None
        if assignee is None:
            raise BulkError("Choose an agent to assign to.")
        return "assign", {"assignee": assignee}, f"Assign to {assignee.display_name}"
    if verb == "status" and argument in Status.values:
        return "status", {"status": argument}, f"Status: {Status(argument).label}"
    if verb == "priority" and argument.isdigit() and int(argument) in Priority.values:
        return "priority", {"priority": int(argument)}, f"Priority: {Priority(int(argument)).label}"
    if verb == "queue" and argument.isdigit():
        queue = selectors.visible_queues(membership).filter(pk=int(argument)).first()
        if queue is None:
            raise BulkError("Choose a queue.")
        return "queue", {"queue": queue}, f"Move to {queue.name}"
    if verb == "tag":
        names = [name.strip() for name in data["tags"].split(",") if name.strip()]
        if not names:
            raise BulkError("Type at least one tag.")
        return "tag", {"names": names}, "Add tags " + ", ".join(names)
    if verb == "merge":
        target = selectors.visible_tickets(membership).select_related("tenant").filter(pk=data["merge_target"] or 0)
        target = target.first()
        if target is None:
            raise BulkError("Pick the ticket to merge into among the selected ones.")
        return "merge", {"target": target}, f"Merge into {target.reference}"
    if verb == "field":
        key, has_value, value = argument.partition("=")
        field = fields_by_key().get(key)
        if field is None or field.archived:
            raise BulkError("Choose a field.")
        # A choice comes in the button's value ("field:product=cloud"); a typed value in field_value_<key>.
        raw = (value if has_value else request.POST.get(f"field_value_{key}", "")[:20_000]) or None
        shown = field.choice_label(raw) if field.is_choice and raw else raw
        return "field", {"key": key, "value": raw}, f"{field.label}: {shown or 'clear'}"
    raise BulkError("Choose an action.")


@role_required(Role.AGENT)
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    if not form.is_valid():
        # Without a valid list to return to there is nothing sensible to render.
        messages.error(request, "That bulk action could not be read; try again.")
        return redirect("desk:home")
    data = form.cleaned_data
    source = list_source(request, data["base"])
    params = QueryDict(data["query"])
    result, error = None, ""
    try:
        action, action_params, label = _action(request, data)
        if data["scope"] == "matching":
            _filters, matching, _sort = filtered_tickets(request, source.tickets, params)
            count = selectors.capped_counts({"n": matching}, cap=MAX_BULK)["n"]
            if count > MAX_BULK:
                raise BulkError(
                    f"More than {MAX_BULK:,} tickets match; a bulk action changes at most {MAX_BULK:,}. "
                    "Narrow the filters and try again."
                )
            if count > PER_PAGE and (data["confirmed"] or 0) < count:
                return _confirm(request, source, params, count=count, label=label)
            tickets = list(matching.select_related("tenant")[:MAX_BULK])
            missing = []
        else:
            ids = _selected_ids(request)
            if not ids:
                raise BulkError("Select at least one ticket first.")
            found = selectors.visible_tickets(request.membership).select_related("tenant").in_bulk(ids)
            tickets = [found[pk] for pk in ids if pk in found]
            missing = [pk for pk in ids if pk not in found]
        result = apply_bulk(tickets=tickets, action=action, actor=request.membership, **action_params)
        result.outcomes[:0] = [Outcome(pk, "A selected ticket", "refused", NOT_VISIBLE) for pk in missing]
    except REFUSED as refused:
        error = str(refused)
    if request.htmx:
        return render_list(request, source, params, {"bulk_result": result, "bulk_error": error})
    _as_messages(request, result, error)
    return redirect(_list_url(source, params))


bulk_action.allowed_methods = {"POST"}  # for the role-gating test: no page to GET here


def _list_url(source: ListSource, params: QueryDict) -> str:
    query = params.urlencode()
    return f"{source.url}?{query}" if query else source.url


def _confirm(request: HttpRequest, source: ListSource, params: QueryDict, *, count: int, label: str) -> HttpResponse:
    skip = {"csrfmiddlewaretoken", "confirmed", "ids"}
    fields = [(key, value) for key, values in request.POST.lists() if key not in skip for value in values]
    confirm = {"count": count, "label": label, "fields": fields, "back_url": _list_url(source, params)}
    if request.htmx:
        return render_list(request, source, params, {"bulk_confirm": confirm})
    return render(request, "tickets/_bulk_confirm_page.html", {"bulk_confirm": confirm})


def _as_messages(request: HttpRequest, result: BulkResult | None, error: str) -> None:
    if error:
        messages.error(request, f"Nothing was changed: {error}")
        return
    level = messages.WARNING if result.refused else messages.SUCCESS
    messages.add_message(request, level, f"Bulk action: {result.summary}")
    for outcome in result.refused[:MAX_MESSAGES]:
        messages.error(request, f"{outcome.reference}: {outcome.message}")
    if len(result.refused) > MAX_MESSAGES:
        messages.error(request, f"…and {len(result.refused) - MAX_MESSAGES} more refused.")
