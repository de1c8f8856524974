"""Desk settings for outbound webhooks (tenant admins): the list, add and edit, the delivery log and its
actions. Each view: role check, selector, form, one service call, redirect or render."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets.models import Webhook
from tickets.selectors import webhooks as selectors
from tickets.services import webhooks as services
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


def _save(request: HttpRequest, data: dict, webhook: Webhook | None) -> Webhook:
    """Call the service with the form's data; a refused URL is said under the URL field."""
    fields = {"url": data["url"], "events": data["events"], "description": data["description"]}
    try:
        if webhook is None:
            return services.create_webhook(actor=request.membership, **fields)
        return services.update_webhook(webhook=webhook, actor=request.membership, **fields)
    except TargetRefused as refused:
        raise ValidationError({"url": str(refused)}) from refused


def _page(webhook: Webhook) -> str:
    return reverse("desk:webhook", args=[webhook.pk])


@role_required(Role.ADMIN)
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/webhooks.html", {"webhooks": selectors.list_webhooks()})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    return settings_form_page(
        request,
        form=WebhookForm(request.POST or None, initial={"events": [value for value, _ in event_choices()]}),
        save=lambda data: _save(request, data, None),
        template="tickets/webhook_form.html",
        success="Webhook added. Copy its secret below to check the signatures.",
        redirect_to=_page,
        context={"webhook": None},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    initial = {"url": webhook.url, "description": webhook.description, "events": webhook.events}
    return settings_form_page(
        request,
        form=WebhookForm(request.POST or None, initial=initial),
        save=lambda data: _save(request, data, webhook),
        template="tickets/webhook_form.html",
        success="Webhook saved.",
        redirect_to=_page,
        context={"webhook": webhook},
    )


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
    return settings_action(request, perform=lambda: action(webhook), success=done, redirect_to=_page(webhook))


@role_required(Role.ADMIN)
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    """A test event is an operation, not a setting: no audit row, refusals said as messages all the same."""
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
    return settings_action(
        request,
        perform=lambda: services.delete_webhook(webhook=webhook, actor=request.membership),
        success=f"Webhook {webhook.url} deleted.",
        redirect_to=reverse("desk:webhooks"),
    )


@role_required(Role.ADMIN)
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    """Sending a delivery again is an operation (no audit row); its refusals are messages."""
    webhook = _webhook_or_404(pk)
    delivery = selectors.list_deliveries(webhook).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return settings_action(
        request,
        perform=lambda: services.redeliver(delivery=delivery, actor=request.membership),
        success=f"Sending the {delivery.event} event again.",
        redirect_to=_page(webhook),
    )
