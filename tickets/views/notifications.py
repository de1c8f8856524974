"""The agent's notifications: the bell's unread count, the list, opening one, and email preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from tenancy.roles import Role, role_required
from tickets import notification_kinds
from tickets.models import Notification, NotificationSetting
from tickets.selectors import visible_tickets, workspace
from tickets.services import notifications as service

PER_PAGE = 30


@role_required(Role.AGENT)
@require_GET
@never_cache
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The bell in the top bar (polled by htmx): one indexed count query."""
    unread = workspace.count_unread(request.membership)
    return render(request, "tickets/notifications_bell.html", {"unread": unread})


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def notification_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(request: HttpRequest) -> HttpResponse:
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() else None
    rows = workspace.list_notifications(request.membership, before_id=before_id, limit=PER_PAGE + 1)
    context = {
        "notifications": rows[:PER_PAGE],
        "older": rows[PER_PAGE - 1].pk if len(rows) > PER_PAGE else None,
        "unread": workspace.count_unread(request.membership),
        "before": before_id,
    }
    template = "tickets/notifications.html#notification-list" if request.htmx else "tickets/notifications.html"
    return render(request, template, context)


@role_required(Role.AGENT)
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and go to its ticket (a link, so it works from a mail client and without JS).
    A ticket the member may no longer open is not named, not even by the redirect's address."""
    try:
        notification = service.mark_read(notification_id=notification_id, recipient=request.membership)
    except Notification.DoesNotExist as missing:
        raise Http404("No such notification.") from missing
    if not visible_tickets(request.membership).filter(pk=notification.ticket_id).exists():
        messages.info(request, "That notification is about a ticket you cannot open.")
        return redirect("desk:notifications")
    return redirect("desk:ticket", number=notification.ticket.number)


@role_required(Role.AGENT)
@require_POST
@vary_on_headers("HX-Request")
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = service.mark_all_read(recipient=request.membership)
    if request.htmx:
        response = _list(request)
        response["HX-Trigger"] = "notifications-read"
        return response
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read." if count else "All read.")
    return redirect("desk:notifications")


mark_all_read.allowed_methods = {"POST"}  # the role-gating test must not expect a GET to show it


class PreferencesForm(forms.Form):
    """One checkbox per registered notification kind, named `email_<key>`, built when the page is asked for so a
    kind registered by an app shows without touching this form."""

    def __init__(self, *args, setting: NotificationSetting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in notification_kinds.all_kinds():
            self.fields[f"email_{kind.key}"] = forms.BooleanField(
                required=False, label=kind.label, help_text=kind.help_text, initial=setting.wants_email(kind.key)
            )

    def email_preferences(self) -> dict[str, bool]:
        return {kind.key: self.cleaned_data[f"email_{kind.key}"] for kind in notification_kinds.all_kinds()}


@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = service.get_preferences(membership=request.membership)
    form = PreferencesForm(request.POST if request.method == "POST" else None, setting=current)
    if request.method == "POST" and form.is_valid():
        service.update_preferences(membership=request.membership, email=form.email_preferences())
        messages.success(request, "Notification settings saved.")
        return redirect(reverse("desk:notification_settings"))
    return render(request, "tickets/notifications_settings.html", {"form": form})
