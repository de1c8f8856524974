"""Desk settings for outbound webhooks (tenant admins): the list, add and edit, the delivery log and its
actions. Each view: role check, selector, form, one service call, redirect or render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tickets.models import Webhook
from tickets.selectors import webhooks as selectors
from tickets.services import webhooks as services
from tickets.views.common import REFUSED
from tickets.webhooks.events import event_choices
from tickets.webhooks.targets import MAX_URL_LENGTH, TargetRefused

DELIVERIES_PER_PAGE = 25


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/tessera", "autocomplete": "off"}),
        help_text="We POST a JSON body signed with this webhook's secret. HTTPS, on a public host.",
    )
    description = forms.CharField(
        max_length=services.MAX_DESCRIPTION, required=False, help_text="What it is for, e.g. “Sync to CRM”."
    )
    events = forms.MultipleChoiceField(
        choices=lambda: [(name, f"{name}: {label}") for name, label in event_choices()],
        widget=forms.CheckboxSelectMultiple,
        label="Events to send",
        help_text="Receivers find the event's name in the X-Tessera-Event header and the body's “event”.",
    )


def _webhook_or_404(pk: int) -> Webhook:
    try:
        return selectors.get_webhook(pk)
    except Webhook.DoesNotExist as missing:
        raise Http404("No such webhook.") from missing


def _save(request: HttpRequest, form: WebhookForm, webhook: Webhook | None) -> Webhook | None:
    """Call the service with the form's data; refusals land on the form."""
    data = form.cleaned_data
    fields = {"url": data["url"], "events": data["events"], "description": data["description"]}
    try:
        if webhook is None:
            return services.create_webhook(actor=request.membership, **fields)
        return services.update_webhook(webhook=webhook, actor=request.membership, **fields)
    except TargetRefused as refused:
        form.add_error("url", str(refused))
    except REFUSED as refused:
        form.add_error(None, str(refused))
    return None


@role_required(Role.ADMIN)
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/webhooks.html", {"webhooks": selectors.list_webhooks()})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, initial={"events": [value for value, _ in event_choices()]})
    if request.method == "POST" and form.is_valid():
        webhook = _save(request, form, None)
        if webhook is not None:
            messages.success(request, "Webhook added. Copy its secret below to check the signatures.")
            return redirect("desk:webhook", pk=webhook.pk)
    status = 400 if form.errors else 200
    return render(request, "tickets/webhook_form.html", {"form": form, "webhook": None}, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    initial = {"url": webhook.url, "description": webhook.description, "events": webhook.events}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, webhook) is not None:
        messages.success(request, "Webhook saved.")
        return redirect("desk:webhook", pk=webhook.pk)
    status = 400 if form.errors else 200
    return render(request, "tickets/webhook_form.html", {"form": form, "webhook": webhook}, status=status)


@role_required(Role.ADMIN)
@require_GET
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The webhook, its secret and its delivery log (newest first, paginated)."""
    webhook = _webhook_or_404(pk)
    deliveries = Paginator(selectors.list_deliveries(webhook), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(event_choices())
    context = {
        "webhook": webhook,
        "deliveries": deliveries,
        "event_labels": [(e, labels.get(e, "")) for e in webhook.events],
    }
    return render(request, "tickets/webhook.html", context)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    try:
        action(webhook)
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("desk:webhook", pk=webhook.pk)


@role_required(Role.ADMIN)
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda webhook: services.send_test_event(webhook=webhook, actor=request.membership),
        "Test event queued: it shows in the log below as “ping”.",
    )


@role_required(Role.ADMIN)
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda webhook: services.rotate_webhook_secret(webhook=webhook, actor=request.membership),
        "New secret created: update your receiver, deliveries are signed with it from now on.",
    )


@role_required(Role.ADMIN)
@require_POST
def webhook_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _act(
        request,
        pk,
        lambda webhook: services.set_webhook_active(webhook=webhook, actor=request.membership, active=active),
        "Webhook resumed." if active else "Webhook paused: no events are sent until you resume it.",
    )


@role_required(Role.ADMIN)
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    try:
        services.delete_webhook(webhook=webhook, actor=request.membership)
    except REFUSED as refused:
        messages.error(request, str(refused))
        return redirect("desk:webhook", pk=pk)
    messages.success(request, f"Webhook {webhook.url} deleted.")
    return redirect("desk:webhooks")


@role_required(Role.ADMIN)
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    delivery = selectors.list_deliveries(webhook).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        services.redeliver(delivery=delivery, actor=request.membership)
    except REFUSED as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Sending the {delivery.event} event again.")
    return redirect("desk:webhook", pk=webhook.pk)
