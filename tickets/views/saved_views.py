"""Saved views: save the current list's filter and sort under a name, open it, rename, re-share or delete it.
Another member's personal view, or another tenant's, does not exist here (a 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tenancy.roles import Role, role_required
from tickets import selectors
from tickets.errors import TicketError
from tickets.models import SavedView, Team
from tickets.services import saved_views as services
from tickets.views.common import form_error_text
from tickets.views.queues import list_source


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=80)
    base = forms.CharField(max_length=40)
    query = forms.CharField(max_length=4000, required=False)
    team = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all()


class EditViewForm(forms.Form):
    name = forms.CharField(max_length=80)
    team = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all()


def _own_view(request: HttpRequest, pk: int) -> SavedView:
    view = SavedView.objects.filter(pk=pk, owner=request.membership).select_related("team").first()
    if view is None:
        raise Http404("No such saved view.")
    return view


def open_url(view: SavedView) -> str:
    """Where a saved view opens: its base list with its query and a marker so the sidebar highlights it."""
    kind, pk = selectors.parse_base(view.base)
    url = reverse("desk:queue", args=[pk]) if kind == "queue" else reverse("desk:view", args=[view.base])
    return f"{url}?{view.query}&saved={view.pk}" if view.query else f"{url}?saved={view.pk}"


@role_required(Role.AGENT)
def saved_view_list(request: HttpRequest) -> HttpResponse:
    """GET: the member's views and those shared with their teams. POST: save the current list as a view."""
    membership = request.membership
    if request.method == "POST":
        return _create(request)
    views = selectors.list_saved_views(membership)
    owners = {view.owner_id for view in views if view.owner_id != membership.pk}
    names = {m.pk: m for m in selectors.list_staff_members() if m.pk in owners} if owners else {}
    for view in views:
        view.owner_name = names[view.owner_id].display_name if view.owner_id in names else ""
    share_teams = list(Team.objects.order_by("name")) if membership.has_role(Role.SUPERVISOR) else []
    return render(request, "tickets/saved_views.html", {"views": views, "share_teams": share_teams})


def _create(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(_back(request))
    data = form.cleaned_data
    source = list_source(request, data["base"])  # a 404 for a list this member cannot open
    try:
        view = services.save_view(
            actor=request.membership, name=data["name"], base=source.base, query=data["query"], team=data["team"]
        )
    except TicketError as refused:
        messages.error(request, str(refused))
        return redirect(f"{source.url}?{data['query']}" if data["query"] else source.url)
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(open_url(view))


def _back(request: HttpRequest) -> str:
    try:
        return list_source(request, request.POST.get("base", "")).url
    except Http404:
        return reverse("desk:home")


@role_required(Role.AGENT)
@require_GET
def open_saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        view = selectors.get_saved_view(request.membership, pk)
        url = open_url(view)
    except (SavedView.DoesNotExist, ValueError) as missing:
        raise Http404("No such saved view.") from missing
    return redirect(url)


@role_required(Role.AGENT)
@require_POST
def update_saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    form = EditViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("desk:saved_views")
    try:
        services.update_view(view=view, actor=request.membership, **form.cleaned_data)
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Saved the view “{view.name}”.")
    return redirect("desk:saved_views")


@role_required(Role.AGENT)
@require_POST
def delete_saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    name = view.name
    services.delete_view(view=view, actor=request.membership)
    messages.success(request, f"Deleted the view “{name}”.")
    return redirect("desk:saved_views")
