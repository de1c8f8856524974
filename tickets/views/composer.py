"""The composer's helpers on the ticket page (canned-response search, draft autosave, presence) and the canned
responses management page. Each view: role check, selector, form, one service call, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tickets import presence, selectors
from tickets.lifecycle import Status
from tickets.models import CannedResponse, Ticket
from tickets.selectors import workspace
from tickets.services import canned, drafts
from tickets.views.common import REFUSED, ticket_or_404

SEARCH_LIMIT = 20


# --- Canned responses: management ------------------------------------------------------------------------------


class CannedResponseForm(forms.Form):
    title = forms.CharField(max_length=120)
    folder = forms.CharField(max_length=60, required=False, help_text="Responses are listed by folder.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=canned.MAX_BODY,
        strip=False,
        label="Text",
        help_text="Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in canned.PLACEHOLDERS),
    )
    set_status = forms.ChoiceField(
        required=False,
        label="When sent, set the status to",
        choices=[("", "Keep the status")] + [(s.value, Status(s).label) for s in canned.SETTABLE_STATUSES],
    )
    shared = forms.BooleanField(required=False, label="Shared with everyone in the desk")

    def __init__(self, *args, may_share: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["shared"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        unknown = canned.unknown_placeholders(body)
        if unknown:
            names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
            raise forms.ValidationError(f"Unknown placeholder {names}: use only the placeholders listed with the text.")
        return body


@role_required(Role.AGENT)
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    member = request.membership
    query = request.GET.get("q", "").strip()[:100]
    responses = list(workspace.usable_canned_responses(member, query))
    folders: dict[str, list] = {}
    for response in responses:
        response.manageable = canned.may_manage(response, member)
        response.status_label = Status(response.set_status).label.lower() if response.set_status else ""
        folders.setdefault(response.folder or "No folder", []).append(response)
    return render(request, "tickets/canned.html", {"folders": folders, "query": query, "count": len(responses)})


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def canned_new(request: HttpRequest) -> HttpResponse:
    member = request.membership
    form = CannedResponseForm(request.POST or None, may_share=member.has_role(Role.SUPERVISOR))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = canned.create_canned_response(
                actor=member,
                title=data["title"],
                folder=data["folder"],
                body=data["body"],
                set_status=data["set_status"],
                shared=data.get("shared", False),
            )
        except REFUSED as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Saved “{response.title}”.")
            return redirect("desk:canned")
    status = 400 if form.errors else 200
    return render(request, "tickets/canned_form.html", {"form": form, "response": None}, status=status)


def _manageable_or_refuse(request: HttpRequest, pk: int) -> CannedResponse:
    """Another agent's personal response (or another tenant's) does not exist here; a shared one is a 403."""
    member = request.membership
    response = workspace.usable_canned_responses(member).filter(pk=pk).first()
    if response is None:
        raise Http404("No such canned response.")
    if not canned.may_manage(response, member):
        raise PermissionDenied("Only supervisors and admins can change shared canned responses.")
    return response


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.membership
    response = _manageable_or_refuse(request, pk)
    initial = {
        "title": response.title,
        "folder": response.folder,
        "body": response.body,
        "set_status": response.set_status,
        "shared": response.owner_id is None,
    }
    form = CannedResponseForm(request.POST or None, initial=initial, may_share=member.has_role(Role.SUPERVISOR))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            canned.update_canned_response(
                response=response,
                actor=member,
                title=data["title"],
                folder=data["folder"],
                body=data["body"],
                set_status=data["set_status"],
                shared=data.get("shared") if "shared" in form.fields else None,
            )
        except REFUSED as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Saved “{response.title}”.")
            return redirect("desk:canned")
    status = 400 if form.errors else 200
    return render(request, "tickets/canned_form.html", {"form": form, "response": response}, status=status)


@role_required(Role.AGENT)
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    response = _manageable_or_refuse(request, pk)
    try:
        canned.delete_canned_response(response=response, actor=request.membership)
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Deleted “{response.title}”.")
    return redirect("desk:canned")


# --- The composer ----------------------------------------------------------------------------------------------


@role_required(Role.AGENT)
@require_GET
def canned_search(request: HttpRequest, number: int) -> HttpResponse:
    """The canned responses the agent may use that match the composer's search, rendered for this ticket."""
    ticket = ticket_or_404(request, number)
    member = request.membership
    query = request.GET.get("canned_q", "").strip()[:100]
    responses = workspace.usable_canned_responses(member, query)[: SEARCH_LIMIT + 1]
    results = []
    for response in responses:
        status = canned.status_for(response=response, ticket=ticket)
        text = canned.render_canned_response(response=response, ticket=ticket, agent=member)
        label = Status(status).label.lower() if status else ""
        results.append({"response": response, "text": text, "status": status, "status_label": label})
    context = {"ticket": ticket, "results": results[:SEARCH_LIMIT], "more": len(results) > SEARCH_LIMIT}
    return render(request, "tickets/_composer_canned_results.html", {**context, "query": query})


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, number: int) -> HttpResponse:
    """GET: the agent's draft for this ticket (the composer restores it); POST: keep what is in the composer."""
    ticket = ticket_or_404(request, number)
    member = request.membership
    if request.method == "GET":
        kept = drafts.get_draft(ticket=ticket, actor=member)
        payload = {"body": kept.body, "kind": kept.kind} if kept else {"body": "", "kind": "reply"}
        response = JsonResponse(payload)
        response["Cache-Control"] = "no-store"
        return response
    seen = request.POST.get("seen_event_id", "")
    try:
        drafts.save_draft(
            ticket=ticket,
            actor=member,
            body=request.POST.get("body", ""),
            kind=request.POST.get("kind") or "reply",
            seen_event_id=int(seen) if seen.isdigit() else None,
        )
    except REFUSED as refused:
        return HttpResponse(str(refused), status=400, content_type="text/plain")
    return HttpResponse(status=204)


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def ticket_presence(request: HttpRequest, number: int) -> HttpResponse:
    """GET (polled every few seconds): I am here; who else is, and did the ticket change since `since`.
    POST: typing=1 while keys are pressed (kind reply or note), or leave=1 when the tab goes away."""
    # Polled by every open ticket page: read only what the answer needs.
    try:
        ticket = selectors.visible_tickets(request.membership).only("id", "tenant_id", "number").get(number=number)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing
    member = request.membership
    if request.method == "POST":
        if request.POST.get("leave"):
            presence.leave(ticket=ticket, member=member)
        else:
            kind = "note" if request.POST.get("kind") == "note" else "reply"
            presence.mark_typing(ticket=ticket, member=member, kind=kind)
        return HttpResponse(status=204)
    presence.mark_viewing(ticket=ticket, member=member)
    since = request.GET.get("since", "")
    changed = since.isdigit() and presence.has_changed_since(ticket=ticket, seen_event_id=int(since), viewer=member)
    context = {"ticket": ticket, "others": presence.others_present(ticket=ticket, member=member), "changed": changed}
    response = render(request, "tickets/_composer_presence.html", context)
    response["Cache-Control"] = "no-store"
    return response
